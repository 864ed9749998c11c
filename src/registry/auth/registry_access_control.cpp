#include "registry/auth/registry_access_control.h"

#include <sodium.h>
#include <strings.h>

#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "registry/auth/account_names.h"

namespace moat::registry {

namespace {

constexpr size_t kMaxAuthorizationBytes = 8 * 1024;
constexpr size_t kMaxRemembered = 1024;
constexpr auto kRememberFor = std::chrono::seconds(60);

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

std::string_view action_name(RepositoryAction action) {
    switch (action) {
        case RepositoryAction::pull: return "pull";
        case RepositoryAction::push: return "push";
        case RepositoryAction::remove: return "delete";
    }
    return "pull";
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
    for (const auto& entry : list)
        if (entry == item) return true;
    return false;
}

// Text copied into a header value or a quoted parameter: printable, no quotes or backslashes.
std::string header_safe(std::string_view text, size_t limit = 512) {
    std::string out;
    for (char c : text.substr(0, limit))
        if (c > 0x20 && c < 0x7f && c != '"' && c != '\\') out += c;
    return out;
}

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == ':' || c == '[' || c == ']' || c == '_';
}

std::string oci_unauthorized(std::string_view message) {
    return nlohmann::json{{"errors", {{{"code", "UNAUTHORIZED"}, {"message", message}, {"detail", nullptr}}}}}.dump();
}

std::string rfc3339(int64_t seconds) {
    std::time_t time = static_cast<std::time_t>(seconds);
    std::tm utc{};
    gmtime_r(&time, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

}  // namespace

std::optional<BasicCredentials> parse_basic_authorization(std::string_view header) {
    if (header.size() > kMaxAuthorizationBytes || !starts_with_ignoring_case(header, "Basic ")) return std::nullopt;
    std::string_view encoded = header.substr(6);
    while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
    while (!encoded.empty() && encoded.back() == ' ') encoded.remove_suffix(1);
    std::string decoded(encoded.size(), '\0');
    size_t length = 0;
    if (sodium_init() < 0 ||
        sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), encoded.data(),
                          encoded.size(), nullptr, &length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
        return std::nullopt;
    decoded.resize(length);
    size_t colon = decoded.find(':');
    if (colon == std::string::npos) return std::nullopt;
    return BasicCredentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
}

std::optional<std::string_view> parse_bearer_authorization(std::string_view header) {
    if (header.size() > kMaxAuthorizationBytes || !starts_with_ignoring_case(header, "Bearer ")) return std::nullopt;
    std::string_view token = header.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (token.empty()) return std::nullopt;
    return token;
}

RegistryAccessControl::RegistryAccessControl(AccountStore& accounts, const TokenService& tokens,
                                             AccessControlOptions options)
    : accounts_(accounts), tokens_(tokens), options_(std::move(options)) {
    remember_key_.resize(crypto_generichash_KEYBYTES);
    if (sodium_init() >= 0) randombytes_buf(remember_key_.data(), remember_key_.size());
}

Authentication RegistryAccessControl::check_password(std::string_view user, std::string_view password) {
    Authentication failed;
    failed.state = Authentication::State::failed;
    failed.message = "wrong user name or password";
    if (user.empty() || user.size() > 64 || password.empty()) return failed;
    auto account = accounts_.find_user(user);
    if (!account || !*account) {
        // Cost an unknown user the same as a wrong password, so timing does not reveal accounts.
        static const std::string decoy = [] {
            auto hash = hash_password("decoy password");
            return hash.ok() ? hash.value() : std::string();
        }();
        (void)verify_password(decoy, password);
        return failed;
    }
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(password.data()),
                       password.size(), reinterpret_cast<const unsigned char*>(remember_key_.data()),
                       remember_key_.size());
    std::string digest_text(reinterpret_cast<const char*>(digest), sizeof digest);
    Authentication ok;
    ok.state = Authentication::State::authenticated;
    ok.principal = Principal{(*account)->name, (*account)->admin};
    auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(remembered_mutex_);
        if (auto found = remembered_.find(user); found != remembered_.end() && found->second.until > now &&
                                                  found->second.password_hash == (*account)->password_hash &&
                                                  sodium_memcmp(found->second.password_digest.data(),
                                                                digest_text.data(), digest_text.size()) == 0)
            return ok;
    }
    if (!verify_password((*account)->password_hash, password)) return failed;
    std::lock_guard lock(remembered_mutex_);
    if (remembered_.size() >= kMaxRemembered) remembered_.clear();
    remembered_[std::string(user)] = RememberedLogin{digest_text, (*account)->password_hash, now + kRememberFor};
    return ok;
}

Authentication RegistryAccessControl::authenticate(const HttpRequest& request) {
    std::string_view header = request.header("Authorization");
    if (header.empty()) return {};
    if (auto basic = parse_basic_authorization(header)) return check_password(basic->user, basic->password);
    Authentication failed;
    failed.state = Authentication::State::failed;
    if (auto bearer = parse_bearer_authorization(header)) {
        auto claims = tokens_.verify(*bearer, options_.service, unix_now());
        if (!claims) {
            failed.message = claims.error().message;
            return failed;
        }
        Authentication result;
        result.bearer = true;
        result.granted = std::move(claims->access);
        if (claims->subject.empty()) return result;  // an anonymous token
        // The account must still exist; its admin flag is read now, not from the token.
        auto account = accounts_.find_user(claims->subject);
        if (!account || !*account) {
            failed.message = "the token's account no longer exists";
            return failed;
        }
        result.state = Authentication::State::authenticated;
        result.principal = Principal{(*account)->name, (*account)->admin};
        return result;
    }
    failed.message = "the Authorization header is neither Basic nor Bearer";
    return failed;
}

std::vector<std::string> RegistryAccessControl::permitted_actions(const Principal& principal,
                                                                  std::string_view repository) {
    if (principal.admin) return {"pull", "push", "delete"};
    std::string_view ns = namespace_of(repository);
    auto record = accounts_.find_namespace(ns);
    if (!record || !*record) return {};
    std::optional<NamespaceRole> role;
    if (!principal.anonymous()) {
        auto found = accounts_.role_of(ns, principal.user);
        if (found) role = *found;
    }
    // Deleting needs the namespace's admin role, not push (as Harbor's maintainers, not its
    // developers): with push alone a user could delete an immutable tag's manifest and push anew.
    if (role == NamespaceRole::admin) return {"pull", "push", "delete"};
    if (role == NamespaceRole::push) return {"pull", "push"};
    if (role == NamespaceRole::pull || (*record)->is_public) return {"pull"};
    return {};
}

AccessDecision RegistryAccessControl::authorize(const HttpRequest& request, std::string_view repository,
                                                RepositoryAction action) {
    Authentication who = authenticate(request);
    AccessDecision decision;
    decision.principal = who.principal;
    if (who.state == Authentication::State::failed) {
        decision.outcome = AccessOutcome::unauthenticated;
        decision.message = who.message;
        return decision;
    }
    std::string_view wanted = action_name(action);
    // A token grants what it names (Docker's model: a token fetched for pulling cannot push);
    // the catalog listing is filtered by the caller's roles whatever the token names.
    bool listing_catalog = request.path == "/v2/_catalog";
    if (who.bearer && !listing_catalog) {
        bool granted = false;
        for (const auto& entry : who.granted)
            if (entry.type == "repository" && entry.name == repository && entry.allows(wanted)) granted = true;
        if (!granted) {
            // 401 with a challenge naming the scope: the client fetches a token that covers it.
            decision.outcome = AccessOutcome::unauthenticated;
            decision.message = fmt::format("the token does not grant {} on {}", wanted, header_safe(repository));
            return decision;
        }
    }
    // The roles are read again at every request, so a revoked role ends at once, token or not.
    auto permitted = permitted_actions(who.principal, repository);
    if (contains(permitted, wanted)) {
        if (action == RepositoryAction::push && who.principal.admin) {
            std::string_view ns = namespace_of(repository);
            auto existing = accounts_.find_namespace(ns);
            if (existing && !*existing && !invalid_account_name(ns, "namespace")) {
                // An admin's first push into a namespace creates it, private.
                if (auto created = accounts_.create_namespace(ns, false); !created) {
                    decision.outcome = AccessOutcome::denied;
                    decision.message = fmt::format("cannot create namespace {}: {}", ns, created.error().message);
                    return decision;
                }
            }
        }
        return decision;
    }
    if (who.principal.anonymous()) {
        decision.outcome = AccessOutcome::unauthenticated;
        decision.message = fmt::format("authentication required to {} {}", wanted, header_safe(repository));
        return decision;
    }
    decision.outcome = AccessOutcome::denied;
    std::string_view ns = namespace_of(repository);
    auto record = accounts_.find_namespace(ns);
    if (record && !*record)
        decision.message = fmt::format("namespace {} does not exist (only an administrator's push creates it)",
                                       header_safe(ns));
    else
        decision.message = fmt::format("user {} may not {} {}: the role in namespace {} does not allow it",
                                       who.principal.user, wanted, header_safe(repository), header_safe(ns));
    return decision;
}

AccessDecision RegistryAccessControl::authorize_registry(const HttpRequest& request) {
    Authentication who = authenticate(request);
    AccessDecision decision;
    decision.principal = who.principal;
    // With no credentials at all the client is challenged, so `login` checks the password through
    // the token flow and anonymous clients fetch an anonymous token; a token of either kind passes.
    if (who.state == Authentication::State::failed ||
        (who.state == Authentication::State::anonymous && !who.bearer)) {
        decision.outcome = AccessOutcome::unauthenticated;
        decision.message = who.message.empty() ? "authentication required" : who.message;
    }
    return decision;
}

std::string RegistryAccessControl::realm(const HttpRequest& request) const {
    if (!options_.external_url.empty()) {
        std::string base = header_safe(options_.external_url);
        while (!base.empty() && base.back() == '/') base.pop_back();
        return base + "/token";
    }
    std::string_view host = request.header("Host");
    bool usable = !host.empty() && host.size() <= 255;
    for (char c : host) usable = usable && is_host_char(c);
    return fmt::format("{}://{}/token", request.tls ? "https" : "http", usable ? host : "localhost");
}

HttpResponse RegistryAccessControl::challenge(const HttpRequest& request, std::string_view scope) {
    HttpResponse response = HttpResponse::json(401, oci_unauthorized("authentication required"));
    std::string value = fmt::format(R"(Bearer realm="{}",service="{}")", realm(request), header_safe(options_.service));
    if (!scope.empty()) value += fmt::format(R"(,scope="{}")", header_safe(scope));
    response.set_header("WWW-Authenticate", value);
    return response;
}

HttpResponse RegistryAccessControl::token_endpoint(HttpRequest& request) {
    auto error = [](int status, std::string_view message) {
        return HttpResponse::json(status, nlohmann::json{{"errors", {{{"code", status == 401 ? "UNAUTHORIZED" : "DENIED"},
                                                                      {"message", message}}}},
                                                         {"error", message}}
                                              .dump());
    };
    if (request.method != "GET") return error(405, "the token endpoint answers GET");
    if (auto service = request.query_parameter("service"); service && !service->empty() && *service != options_.service)
        return error(400, fmt::format("unknown service \"{}\": this registry is \"{}\"", header_safe(*service, 64),
                                      options_.service));
    std::string_view header = request.header("Authorization");
    Principal principal;
    if (!header.empty()) {
        auto basic = parse_basic_authorization(header);
        if (!basic) return error(401, "the token endpoint takes Basic credentials");
        Authentication who = check_password(basic->user, basic->password);
        if (who.state != Authentication::State::authenticated) {
            HttpResponse denied = error(401, who.message);
            denied.set_header("WWW-Authenticate", fmt::format(R"(Basic realm="{}")", header_safe(options_.service)));
            return denied;
        }
        principal = who.principal;
    }
    // Every scope parameter, in order (clients repeat `scope`).
    std::vector<std::string> scope_values;
    std::string_view rest = request.raw_query;
    while (!rest.empty() && scope_values.size() < 64) {
        size_t amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.substr(0, 6) != "scope=") continue;
        HttpRequest one;
        one.raw_query = std::string(pair);
        if (auto value = one.query_parameter("scope")) scope_values.push_back(*value);
    }
    std::vector<ResourceAccess> granted;
    for (auto& requested : parse_scopes(scope_values)) {
        ResourceAccess grant{requested.type, requested.name, {}};
        if (requested.type == "repository") {
            auto permitted = permitted_actions(principal, requested.name);
            for (const auto& action : requested.actions) {
                if (action == "*") {
                    if (contains(permitted, "pull") && contains(permitted, "push") && contains(permitted, "delete"))
                        grant.actions.push_back("*");
                } else if (contains(permitted, action) && !contains(grant.actions, action)) {
                    grant.actions.push_back(action);
                }
            }
        } else if (requested.type == "registry" && requested.name == "catalog" && !principal.anonymous()) {
            grant.actions.push_back("*");  // the listing itself is filtered by roles
        }
        if (!grant.actions.empty()) granted.push_back(std::move(grant));
    }
    int64_t now = unix_now();
    std::string token = tokens_.issue(principal.user, options_.service, granted, now);
    return HttpResponse::json(200, nlohmann::json{{"token", token},
                                                  {"access_token", token},
                                                  {"expires_in", TokenService::kLifetimeSeconds},
                                                  {"issued_at", rfc3339(now)}}
                                       .dump());
}

bool RegistryAccessControl::tag_is_immutable(std::string_view repository, std::string_view tag, std::string* reason) {
    std::string_view ns = namespace_of(repository);
    auto check = [&](RuleScope scope, std::string_view name, std::string_view what) {
        auto patterns = accounts_.immutable_patterns(scope, name);
        if (!patterns) {
            // Fail closed: when the rules cannot be read, nothing is overwritten.
            if (reason) *reason = fmt::format("tag {} of {} cannot be checked for immutability: {}", tag, repository,
                                              patterns.error().message);
            return true;
        }
        for (const auto& pattern : *patterns) {
            if (tag_matches(pattern, tag)) {
                if (reason)
                    *reason = fmt::format("tag {} of {} is immutable (rule \"{}\" on {} {})", tag, repository, pattern,
                                          what, name);
                return true;
            }
        }
        return false;
    };
    return check(RuleScope::repository, repository, "repository") || check(RuleScope::namespace_, ns, "namespace");
}

}  // namespace moat::registry
