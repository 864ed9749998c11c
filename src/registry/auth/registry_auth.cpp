#include "registry/auth/registry_auth.h"

#include <fstream>

#include <fmt/format.h>

namespace moat::registry {

Result<std::string> read_admin_password(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error{fmt::format("{}: cannot read the admin password file", file.string())};
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return Error{fmt::format("{}: the admin password (its first line) is empty", file.string())};
    return line;
}

Result<std::unique_ptr<RegistryAuth>> RegistryAuth::open(const RegistryAuthOptions& options) {
    std::error_code error;
    std::filesystem::create_directories(options.data_dir, error);
    if (error) return Error{fmt::format("{}: {}", options.data_dir.string(), error.message())};
    std::unique_ptr<RegistryAuth> auth(new RegistryAuth());
    auto accounts = AccountStore::open(options.database.empty() ? options.data_dir / "metadata.db" : options.database);
    if (!accounts) return accounts.error();
    auth->accounts_ = std::move(*accounts);
    if (!options.admin_password_file.empty()) {
        auto password = read_admin_password(options.admin_password_file);
        if (!password) return password.error();
        if (Status stored = auth->accounts_->ensure_admin(*password); !stored) return stored.error();
    }
    auto tokens = TokenService::open(options.data_dir / "token-key");
    if (!tokens) return tokens.error();
    auth->tokens_ = std::make_unique<TokenService>(std::move(*tokens));
    auth->access_ = std::make_unique<RegistryAccessControl>(*auth->accounts_, *auth->tokens_, options.access);
    auth->api_ = std::make_unique<AdminApi>(*auth->access_);
    return auth;
}

void RegistryAuth::install(Router& router) {
    RegistryAccessControl* access = access_.get();
    AdminApi* api = api_.get();
    router.add("/token", [access](HttpRequest& request) { return access->token_endpoint(request); });
    router.add("/api/v1", [api](HttpRequest& request) { return api->handle(request); });
}

}  // namespace moat::registry
