// The accounts side of `moat serve` assembled: the account store (in the metadata database), the
// token key (DATA/token-key), the access control, the /token endpoint and the /api/v1/ accounts
// API, ready to be handed to the RegistryServer and added to its Router.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "registry/api/admin_api.h"
#include "registry/auth/account_store.h"
#include "registry/auth/registry_access_control.h"
#include "registry/auth/token_service.h"
#include "registry/router.h"

namespace moat::registry {

struct RegistryAuthOptions {
    std::filesystem::path data_dir;
    std::filesystem::path database;             // empty: DATA/metadata.db
    std::filesystem::path admin_password_file;  // empty: leave the accounts as they are
    AccessControlOptions access;
};

// The first line of the file, its line ending stripped; an error for an empty password.
Result<std::string> read_admin_password(const std::filesystem::path& file);

class RegistryAuth {
public:
    static Result<std::unique_ptr<RegistryAuth>> open(const RegistryAuthOptions& options);

    RegistryAccessControl& access() { return *access_; }
    AccountStore& accounts() { return *accounts_; }
    AdminApi& api() { return *api_; }
    // "/token" and "/api/v1" (the accounts API; other /api/v1/ paths answer 404 until their
    // modules chain in through AdminApi::try_handle).
    void install(Router& router);

private:
    RegistryAuth() = default;
    std::unique_ptr<AccountStore> accounts_;
    std::unique_ptr<TokenService> tokens_;
    std::unique_ptr<RegistryAccessControl> access_;
    std::unique_ptr<AdminApi> api_;
};

}  // namespace moat::registry
