#include "registry/auth/token_service.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace moat::registry {

namespace {

constexpr size_t kSecretBytes = 32;
constexpr size_t kMaxTokenBytes = 16 * 1024;  // a token is a few hundred bytes; refuse giants
constexpr int64_t kLeewaySeconds = 30;

bool sodium_ready() {
    static const bool ready = sodium_init() >= 0;
    return ready;
}

std::string base64url(std::string_view bytes) {
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(std::char_traits<char>::length(out.c_str()));
    return out;
}

std::optional<std::string> unbase64url(std::string_view text) {
    std::string out(text.size(), '\0');
    size_t length = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                          &length, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return std::nullopt;
    out.resize(length);
    return out;
}

std::string hmac(std::string_view secret, std::string_view message) {
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
    crypto_auth_hmacsha256_final(&state, mac);
    return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

std::vector<std::string> split_actions(std::string_view text) {
    std::vector<std::string> actions;
    while (!text.empty()) {
        size_t comma = text.find(',');
        std::string_view action = text.substr(0, comma);
        if (!action.empty()) actions.emplace_back(action);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    return actions;
}

}  // namespace

bool ResourceAccess::allows(std::string_view action) const {
    for (const auto& granted : actions)
        if (granted == action || granted == "*") return true;
    return false;
}

std::vector<ResourceAccess> parse_scopes(const std::vector<std::string>& values) {
    std::vector<ResourceAccess> scopes;
    for (std::string_view value : values) {
        while (!value.empty() && scopes.size() < 64) {
            size_t space = value.find(' ');
            std::string_view scope = value.substr(0, space);
            value = space == std::string_view::npos ? std::string_view{} : value.substr(space + 1);
            // type:name:actions; the name may itself hold ':' (a registry host with a port), so
            // the type ends at the first colon and the actions start after the last.
            size_t first = scope.find(':');
            size_t last = scope.rfind(':');
            if (first == std::string_view::npos || first == last || scope.size() > 512) continue;
            ResourceAccess access{std::string(scope.substr(0, first)),
                                  std::string(scope.substr(first + 1, last - first - 1)),
                                  split_actions(scope.substr(last + 1))};
            if (access.type.empty() || access.name.empty()) continue;
            scopes.push_back(std::move(access));
        }
    }
    return scopes;
}

int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Result<TokenService> TokenService::open(const std::filesystem::path& key_file, std::string issuer) {
    if (!sodium_ready()) return Error{"libsodium could not be initialized"};
    int fd = ::open(key_file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) {
        std::string secret(kSecretBytes, '\0');
        randombytes_buf(secret.data(), secret.size());
        // Written whole under a temporary name, then link()ed into place: link fails when the
        // name exists, so when two servers start at once one key wins and the other reads it.
        std::filesystem::path temp = key_file;
        temp += fmt::format(".tmp{}", ::getpid());
        ::unlink(temp.c_str());  // left over from a crash
        int out = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (out < 0) return Error{fmt::format("{}: cannot create the token signing key", key_file.string())};
        bool written = ::write(out, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size()) &&
                       ::fsync(out) == 0;
        ::close(out);
        int link_error = 0;
        if (written && ::link(temp.c_str(), key_file.c_str()) != 0) link_error = errno;
        ::unlink(temp.c_str());
        if (!written || link_error != 0) {
            if (!written || link_error != EEXIST)
                return Error{fmt::format("{}: cannot write the token signing key", key_file.string())};
        } else {
            return TokenService(std::move(secret), std::move(issuer));
        }
        fd = ::open(key_file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    }
    if (fd < 0) return Error{fmt::format("{}: cannot read the token signing key", key_file.string())};
    struct stat info {};
    if (::fstat(fd, &info) != 0 || (info.st_mode & 077) != 0) {
        ::close(fd);
        return Error{fmt::format("{}: the token signing key must be readable by its owner only (chmod 600)",
                                 key_file.string())};
    }
    std::string secret(kSecretBytes, '\0');
    ssize_t got = ::read(fd, secret.data(), secret.size());
    ::close(fd);
    if (got != static_cast<ssize_t>(kSecretBytes))
        return Error{fmt::format("{}: the token signing key is not {} bytes", key_file.string(), kSecretBytes)};
    return TokenService(std::move(secret), std::move(issuer));
}

std::string TokenService::issue(std::string_view subject, std::string_view audience,
                                const std::vector<ResourceAccess>& access, int64_t now) const {
    sodium_ready();
    nlohmann::json claims_access = nlohmann::json::array();
    for (const auto& entry : access)
        claims_access.push_back({{"type", entry.type}, {"name", entry.name}, {"actions", entry.actions}});
    unsigned char id_bytes[16];
    randombytes_buf(id_bytes, sizeof id_bytes);
    nlohmann::json claims = {{"iss", issuer_},
                             {"sub", std::string(subject)},
                             {"aud", std::string(audience)},
                             {"iat", now},
                             {"nbf", now},
                             {"exp", now + kLifetimeSeconds},
                             {"jti", base64url(std::string_view(reinterpret_cast<const char*>(id_bytes), sizeof id_bytes))},
                             {"access", claims_access}};
    std::string signing_input = base64url(R"({"alg":"HS256","typ":"JWT"})") + '.' + base64url(claims.dump());
    return signing_input + '.' + base64url(hmac(secret_, signing_input));
}

Result<TokenClaims> TokenService::verify(std::string_view token, std::string_view audience, int64_t now) const {
    if (token.size() > kMaxTokenBytes) return Error{"token too long"};
    size_t first = token.find('.');
    size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
        return Error{"token is not a JWT"};
    std::string_view signing_input = token.substr(0, second);
    auto signature = unbase64url(token.substr(second + 1));
    std::string expected = hmac(secret_, signing_input);
    if (!signature || signature->size() != expected.size() ||
        sodium_memcmp(signature->data(), expected.data(), expected.size()) != 0)
        return Error{"token signature is not valid"};
    // Only signed content is parsed past this point.
    auto header_text = unbase64url(token.substr(0, first));
    auto claims_text = unbase64url(token.substr(first + 1, second - first - 1));
    if (!header_text || !claims_text) return Error{"token is not base64url"};
    auto header = nlohmann::json::parse(*header_text, nullptr, false);
    if (!header.is_object() || header.value("alg", nlohmann::json()) != "HS256")
        return Error{"token algorithm is not HS256"};
    auto claims = nlohmann::json::parse(*claims_text, nullptr, false);
    if (!claims.is_object()) return Error{"token claims are not a JSON object"};
    TokenClaims out;
    try {
        out.issuer = claims.at("iss").get<std::string>();
        out.subject = claims.at("sub").get<std::string>();
        out.audience = claims.at("aud").get<std::string>();
        out.issued_at = claims.at("iat").get<int64_t>();
        out.not_before = claims.at("nbf").get<int64_t>();
        out.expires_at = claims.at("exp").get<int64_t>();
        out.id = claims.value("jti", "");
        for (const auto& entry : claims.at("access")) {
            ResourceAccess access{entry.at("type").get<std::string>(), entry.at("name").get<std::string>(),
                                  entry.at("actions").get<std::vector<std::string>>()};
            out.access.push_back(std::move(access));
        }
    } catch (const nlohmann::json::exception&) {
        return Error{"token claims are incomplete"};
    }
    if (out.issuer != issuer_) return Error{"token issuer is not this registry"};
    if (out.audience != audience) return Error{"token audience is not this service"};
    if (now >= out.expires_at + kLeewaySeconds) return Error{"token has expired"};
    if (now + kLeewaySeconds < out.not_before) return Error{"token is not valid yet"};
    return out;
}

}  // namespace moat::registry
