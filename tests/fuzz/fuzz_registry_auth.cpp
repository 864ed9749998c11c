// Fuzzes what a registry client controls before it is authenticated or authorized: the
// Authorization header (Basic and Bearer), JWT verification, token scopes, tag patterns, and the
// JSON bodies of the admin API (sent with valid admin credentials, so the parsing is reached).
#include <sodium.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "registry/api/admin_api.h"
#include "registry/auth/account_names.h"
#include "registry/auth/registry_access_control.h"
#include "registry/auth/token_service.h"

namespace {

using namespace moat::registry;

void require(bool condition) {
    if (!condition) std::abort();
}

class StringBody final : public RequestBody {
public:
    explicit StringBody(std::string_view text) : text_(text) {}
    moat::Result<size_t> read(char* buffer, size_t capacity) override {
        size_t n = std::min(capacity, text_.size() - offset_);
        std::copy_n(text_.data() + offset_, n, buffer);
        offset_ += n;
        return n;
    }
    std::optional<uint64_t> declared_length() const override { return text_.size(); }

private:
    std::string_view text_;
    size_t offset_ = 0;
};

struct World {
    std::filesystem::path dir;
    std::unique_ptr<AccountStore> store;
    TokenService tokens{std::string(32, 'f'), "moat"};
    std::unique_ptr<RegistryAccessControl> access;
    std::unique_ptr<AdminApi> api;
    std::string admin_authorization;

    World() {
        dir = std::filesystem::temp_directory_path() / ("moat-fuzz-auth-" + std::to_string(::getpid()));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        auto opened = AccountStore::open(dir / "metadata.db", PasswordHashCost::minimal());
        require(opened.ok());
        store = std::move(*opened);
        require(store->ensure_admin("fuzz-admin-password").ok());
        require(store->create_namespace("team", false).ok());
        access = std::make_unique<RegistryAccessControl>(*store, tokens);
        api = std::make_unique<AdminApi>(*access);
        std::string plain = "admin:fuzz-admin-password";
        std::string encoded(sodium_base64_ENCODED_LEN(plain.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
        sodium_bin2base64(encoded.data(), encoded.size(), reinterpret_cast<const unsigned char*>(plain.data()),
                          plain.size(), sodium_base64_VARIANT_ORIGINAL);
        encoded.resize(std::char_traits<char>::length(encoded.c_str()));
        admin_authorization = "Basic " + encoded;
    }
    ~World() {
        api.reset();
        access.reset();
        store.reset();
        std::filesystem::remove_all(dir);
    }
};

World& world() {
    static World instance;
    return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    World& w = world();

    // The Authorization header.
    if (auto basic = parse_basic_authorization(text)) require(basic->user.find(':') == std::string::npos);
    if (auto bearer = parse_bearer_authorization(text)) require(!bearer->empty());
    HttpRequest request;
    request.method = "GET";
    request.path = "/v2/team/app/manifests/1.0";
    request.headers.emplace_back("Authorization", std::string(text));
    request.headers.emplace_back("Host", std::string(text.substr(0, 300)));
    auto decision = w.access->authorize(request, "team/app", RepositoryAction::pull);
    // Nobody but the admin can pull from the private namespace; no fuzzed header logs in as admin.
    require(decision.outcome != AccessOutcome::allowed);
    HttpResponse challenge = w.access->challenge(request, text.substr(0, 200));
    for (char c : find_header(challenge.headers, "WWW-Authenticate")) require(c != '\r' && c != '\n');

    // A bare token: only tokens this server signed verify.
    require(!w.tokens.verify(text, "moat", unix_now()).ok());
    (void)parse_scopes({std::string(text)});

    // Tag patterns: the first line is the pattern, the rest the tag.
    size_t newline = text.find('\n');
    std::string_view pattern = text.substr(0, newline);
    std::string_view tag = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    if (!invalid_tag_pattern(pattern) && tag.size() <= 128) (void)tag_matches(pattern, tag);
    (void)invalid_account_name(text, "user");

    // The admin API's JSON bodies, as the administrator.
    static const char* const kEndpoints[][2] = {
        {"POST", "/api/v1/namespaces"},
        {"POST", "/api/v1/users"},
        {"PUT", "/api/v1/namespaces/team/members/admin"},
        {"PUT", "/api/v1/repositories/team/app/immutable"},
        {"PUT", "/api/v1/namespaces/team/immutable"},
    };
    for (const auto& endpoint : kEndpoints) {
        StringBody body(text);
        HttpRequest call;
        call.method = endpoint[0];
        call.path = endpoint[1];
        call.headers.emplace_back("Authorization", w.admin_authorization);
        call.body = &body;
        HttpResponse response = w.api->handle(call);
        require(response.status != 500 && response.status != 401 && response.status != 403);
    }
    return 0;
}
