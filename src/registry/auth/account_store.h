// Accounts, namespaces, namespace roles and immutability rules, kept in SQLite (the registry's
// DATA/metadata.db, in tables of their own named auth_*). One connection, guarded by a mutex:
// the server calls in from many request threads.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/auth/password_hasher.h"
#include "util/result.h"
#include "util/sqlite_database.h"

namespace moat::registry {

// Ordered: each role includes the ones before it.
enum class NamespaceRole { pull = 1, push = 2, admin = 3 };
std::string_view role_name(NamespaceRole role);
std::optional<NamespaceRole> parse_role(std::string_view text);

struct UserAccount {
    std::string name;
    std::string password_hash;
    bool admin = false;
};

struct NamespaceRecord {
    std::string name;
    bool is_public = false;
};

struct Membership {
    std::string user;
    NamespaceRole role = NamespaceRole::pull;
};

// Immutability rules are kept per repository ("team/app") or per namespace ("team").
enum class RuleScope { repository, namespace_ };

enum class MemberChange { done, no_namespace, no_user };

class AccountStore {
public:
    static Result<std::unique_ptr<AccountStore>> open(const std::filesystem::path& database,
                                                      PasswordHashCost cost = PasswordHashCost::interactive());

    // Users. create_user: false when the name is taken.
    Result<bool> create_user(std::string_view name, std::string_view password, bool admin = false);
    // Creates or updates the server administrator "admin" with `password` (--admin-password-file).
    Status ensure_admin(std::string_view password);
    Result<std::optional<UserAccount>> find_user(std::string_view name);
    Result<std::vector<UserAccount>> list_users();

    // Namespaces. create_namespace: false when it exists.
    Result<bool> create_namespace(std::string_view name, bool is_public);
    Result<std::optional<NamespaceRecord>> find_namespace(std::string_view name);
    Result<std::vector<NamespaceRecord>> list_namespaces();

    // Roles within a namespace.
    Result<MemberChange> set_member(std::string_view namespace_name, std::string_view user, NamespaceRole role);
    Result<bool> remove_member(std::string_view namespace_name, std::string_view user);  // false: not a member
    Result<std::optional<NamespaceRole>> role_of(std::string_view namespace_name, std::string_view user);
    Result<std::vector<Membership>> list_members(std::string_view namespace_name);

    // Immutability rules: the whole pattern list of one repository or namespace at once.
    Status set_immutable_patterns(RuleScope scope, std::string_view name, const std::vector<std::string>& patterns);
    Result<std::vector<std::string>> immutable_patterns(RuleScope scope, std::string_view name);

private:
    AccountStore(std::unique_ptr<SqliteDatabase> db, PasswordHashCost cost) : db_(std::move(db)), cost_(cost) {}
    Result<std::optional<UserAccount>> find_user_locked(std::string_view name);
    std::mutex mutex_;
    std::unique_ptr<SqliteDatabase> db_;
    PasswordHashCost cost_;
};

}  // namespace moat::registry
