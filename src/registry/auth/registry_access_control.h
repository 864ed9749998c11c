// The registry's AccessControl: who the caller is (HTTP Basic, or a bearer token from /token),
// what their namespace role lets them do, the /token endpoint of the Docker token flow, the 401
// challenge that starts that flow, and the immutable-tag rules.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/auth/access_control.h"
#include "registry/auth/account_store.h"
#include "registry/auth/token_service.h"

namespace moat::registry {

struct AccessControlOptions {
    std::string service = "moat";  // the token audience and the challenge's service
    // "https://registry.example" when the server sits behind a proxy; otherwise the realm is
    // derived from each request's Host header and whether it came over TLS.
    std::string external_url;
};

// The caller of one request, as far as its Authorization header says.
struct Authentication {
    enum class State { anonymous, authenticated, failed } state = State::anonymous;
    Principal principal;
    bool bearer = false;                  // a token, not a password
    std::vector<ResourceAccess> granted;  // the token's access claim (bearer only)
    std::string message;                  // why it failed
};

class RegistryAccessControl final : public AccessControl {
public:
    RegistryAccessControl(AccountStore& accounts, const TokenService& tokens, AccessControlOptions options = {});

    AccessDecision authorize(const HttpRequest& request, std::string_view repository, RepositoryAction action) override;
    AccessDecision authorize_registry(const HttpRequest& request) override;
    HttpResponse challenge(const HttpRequest& request, std::string_view scope) override;
    bool tag_is_immutable(std::string_view repository, std::string_view tag, std::string* reason) override;

    Authentication authenticate(const HttpRequest& request);
    // The actions ("pull", "push", "delete") `principal` may take on `repository` right now.
    std::vector<std::string> permitted_actions(const Principal& principal, std::string_view repository);
    // GET /token: the Docker token endpoint.
    HttpResponse token_endpoint(HttpRequest& request);
    // "<scheme>://<host>/token".
    std::string realm(const HttpRequest& request) const;

    AccountStore& accounts() { return accounts_; }

private:
    Authentication check_password(std::string_view user, std::string_view password);

    AccountStore& accounts_;
    const TokenService& tokens_;
    AccessControlOptions options_;

    // Clients that send Basic credentials with every request would otherwise pay a full Argon2id
    // run each time: a successful check is remembered for a minute, keyed by a keyed hash of the
    // password and valid only while the stored hash is unchanged (a password change ends it).
    struct RememberedLogin {
        std::string password_digest;
        std::string password_hash;
        std::chrono::steady_clock::time_point until;
    };
    std::mutex remembered_mutex_;
    std::map<std::string, RememberedLogin, std::less<>> remembered_;
    std::string remember_key_;
};

// The Authorization header's parts, for the authenticator and the fuzzer. Basic: user and
// password; Bearer: the token. nullopt when the header is neither or malformed.
struct BasicCredentials {
    std::string user, password;
};
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header);
std::optional<std::string_view> parse_bearer_authorization(std::string_view header);

}  // namespace moat::registry
