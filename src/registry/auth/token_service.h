// The Docker token flow's tokens: JWTs (HS256) that /token issues and the registry verifies.
// HS256 rather than ES256 because the issuer and the only verifier are the same server (clients
// never check registry tokens): an HMAC needs one secret file, verifies in about a microsecond on
// every request that carries a token, and has no signature encoding to get wrong.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace moat::registry {

// One entry of the "access" claim and of a requested scope: "repository:team/app:pull,push".
struct ResourceAccess {
    std::string type;  // "repository", "registry"
    std::string name;  // "team/app", "catalog"
    std::vector<std::string> actions;
    bool allows(std::string_view action) const;
};

// Parses the scope parameters of a token request: each value may hold several scopes separated
// by spaces. Malformed scopes are skipped (clients send what they send; nothing is granted for them).
std::vector<ResourceAccess> parse_scopes(const std::vector<std::string>& values);

struct TokenClaims {
    std::string issuer;
    std::string subject;   // the user; empty for anonymous
    std::string audience;  // the service
    int64_t issued_at = 0, not_before = 0, expires_at = 0;
    std::string id;
    std::vector<ResourceAccess> access;
};

class TokenService {
public:
    static constexpr int64_t kLifetimeSeconds = 300;

    // Reads the secret from `key_file`, creating it (32 random bytes, mode 0600) on first start.
    static Result<TokenService> open(const std::filesystem::path& key_file, std::string issuer = "moat");
    // For tests: a fixed secret.
    TokenService(std::string secret, std::string issuer) : secret_(std::move(secret)), issuer_(std::move(issuer)) {}

    // A signed token for `subject` with `access`, valid from `now` for kLifetimeSeconds.
    std::string issue(std::string_view subject, std::string_view audience, const std::vector<ResourceAccess>& access,
                      int64_t now) const;
    // Checks the signature, the algorithm, the issuer, exp/nbf against `now` (30 s leeway for
    // clock skew between processes) and the audience.
    Result<TokenClaims> verify(std::string_view token, std::string_view audience, int64_t now) const;

    const std::string& issuer() const { return issuer_; }

private:
    std::string secret_;
    std::string issuer_;
};

int64_t unix_now();

}  // namespace moat::registry
