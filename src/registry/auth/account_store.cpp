#include "registry/auth/account_store.h"

#include <fmt/format.h>

namespace moat::registry {

namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS auth_users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS auth_namespaces (
    name TEXT PRIMARY KEY,
    public INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS auth_members (
    namespace TEXT NOT NULL REFERENCES auth_namespaces(name) ON DELETE CASCADE,
    user TEXT NOT NULL REFERENCES auth_users(name) ON DELETE CASCADE,
    role INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3),
    PRIMARY KEY (namespace, user)
);
CREATE TABLE IF NOT EXISTS auth_immutable_rules (
    scope TEXT NOT NULL CHECK (scope IN ('repository', 'namespace')),
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    pattern TEXT NOT NULL,
    PRIMARY KEY (scope, name, position)
);
)sql";

std::string_view scope_text(RuleScope scope) { return scope == RuleScope::repository ? "repository" : "namespace"; }

}  // namespace

std::string_view role_name(NamespaceRole role) {
    switch (role) {
        case NamespaceRole::pull: return "pull";
        case NamespaceRole::push: return "push";
        case NamespaceRole::admin: return "admin";
    }
    return "pull";
}

std::optional<NamespaceRole> parse_role(std::string_view text) {
    if (text == "pull") return NamespaceRole::pull;
    if (text == "push") return NamespaceRole::push;
    if (text == "admin") return NamespaceRole::admin;
    return std::nullopt;
}

Result<std::unique_ptr<AccountStore>> AccountStore::open(const std::filesystem::path& database, PasswordHashCost cost) {
    auto db = SqliteDatabase::open(database);
    if (!db) return db.error();
    if (Status created = (*db)->exec(kSchema); !created) return created.error();
    return std::unique_ptr<AccountStore>(new AccountStore(std::move(*db), cost));
}

Result<bool> AccountStore::create_user(std::string_view name, std::string_view password, bool admin) {
    auto hash = hash_password(password, cost_);  // outside the lock: it takes a while
    if (!hash) return hash.error();
    std::lock_guard lock(mutex_);
    auto insert = db_->prepare("INSERT OR IGNORE INTO auth_users (name, password_hash, admin) VALUES (?, ?, ?)");
    if (!insert) return insert.error();
    insert->bind(1, name).bind(2, *hash).bind(3, int64_t{admin ? 1 : 0});
    if (Status ran = insert->run(); !ran) return ran.error();
    return db_->changes() == 1;
}

Status AccountStore::ensure_admin(std::string_view password) {
    auto hash = hash_password(password, cost_);
    if (!hash) return Error{"admin password: " + hash.error().message};
    std::lock_guard lock(mutex_);
    auto upsert = db_->prepare(
        "INSERT INTO auth_users (name, password_hash, admin) VALUES ('admin', ?, 1) "
        "ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash, admin = 1");
    if (!upsert) return upsert.error();
    upsert->bind(1, *hash);
    return upsert->run();
}

Result<std::optional<UserAccount>> AccountStore::find_user_locked(std::string_view name) {
    auto select = db_->prepare("SELECT name, password_hash, admin FROM auth_users WHERE name = ?");
    if (!select) return select.error();
    select->bind(1, name);
    auto row = select->step();
    if (!row) return row.error();
    if (!*row) return std::optional<UserAccount>{};
    return std::optional<UserAccount>{UserAccount{select->text(0), select->text(1), select->integer(2) != 0}};
}

Result<std::optional<UserAccount>> AccountStore::find_user(std::string_view name) {
    std::lock_guard lock(mutex_);
    return find_user_locked(name);
}

Result<std::vector<UserAccount>> AccountStore::list_users() {
    std::lock_guard lock(mutex_);
    auto select = db_->prepare("SELECT name, admin FROM auth_users ORDER BY name");
    if (!select) return select.error();
    std::vector<UserAccount> users;
    for (;;) {
        auto row = select->step();
        if (!row) return row.error();
        if (!*row) break;
        users.push_back(UserAccount{select->text(0), {}, select->integer(1) != 0});
    }
    return users;
}

Result<bool> AccountStore::create_namespace(std::string_view name, bool is_public) {
    std::lock_guard lock(mutex_);
    auto insert = db_->prepare("INSERT OR IGNORE INTO auth_namespaces (name, public) VALUES (?, ?)");
    if (!insert) return insert.error();
    insert->bind(1, name).bind(2, int64_t{is_public ? 1 : 0});
    if (Status ran = insert->run(); !ran) return ran.error();
    return db_->changes() == 1;
}

Result<std::optional<NamespaceRecord>> AccountStore::find_namespace(std::string_view name) {
    std::lock_guard lock(mutex_);
    auto select = db_->prepare("SELECT name, public FROM auth_namespaces WHERE name = ?");
    if (!select) return select.error();
    select->bind(1, name);
    auto row = select->step();
    if (!row) return row.error();
    if (!*row) return std::optional<NamespaceRecord>{};
    return std::optional<NamespaceRecord>{NamespaceRecord{select->text(0), select->integer(1) != 0}};
}

Result<std::vector<NamespaceRecord>> AccountStore::list_namespaces() {
    std::lock_guard lock(mutex_);
    auto select = db_->prepare("SELECT name, public FROM auth_namespaces ORDER BY name");
    if (!select) return select.error();
    std::vector<NamespaceRecord> namespaces;
    for (;;) {
        auto row = select->step();
        if (!row) return row.error();
        if (!*row) break;
        namespaces.push_back(NamespaceRecord{select->text(0), select->integer(1) != 0});
    }
    return namespaces;
}

Result<MemberChange> AccountStore::set_member(std::string_view namespace_name, std::string_view user,
                                              NamespaceRole role) {
    std::lock_guard lock(mutex_);
    auto ns = db_->prepare("SELECT 1 FROM auth_namespaces WHERE name = ?");
    if (!ns) return ns.error();
    ns->bind(1, namespace_name);
    auto ns_row = ns->step();
    if (!ns_row) return ns_row.error();
    if (!*ns_row) return MemberChange::no_namespace;
    auto account = find_user_locked(user);
    if (!account) return account.error();
    if (!*account) return MemberChange::no_user;
    auto upsert = db_->prepare(
        "INSERT INTO auth_members (namespace, user, role) VALUES (?, ?, ?) "
        "ON CONFLICT(namespace, user) DO UPDATE SET role = excluded.role");
    if (!upsert) return upsert.error();
    upsert->bind(1, namespace_name).bind(2, user).bind(3, static_cast<int64_t>(role));
    if (Status ran = upsert->run(); !ran) return ran.error();
    return MemberChange::done;
}

Result<bool> AccountStore::remove_member(std::string_view namespace_name, std::string_view user) {
    std::lock_guard lock(mutex_);
    auto remove = db_->prepare("DELETE FROM auth_members WHERE namespace = ? AND user = ?");
    if (!remove) return remove.error();
    remove->bind(1, namespace_name).bind(2, user);
    if (Status ran = remove->run(); !ran) return ran.error();
    return db_->changes() == 1;
}

Result<std::optional<NamespaceRole>> AccountStore::role_of(std::string_view namespace_name, std::string_view user) {
    std::lock_guard lock(mutex_);
    auto select = db_->prepare("SELECT role FROM auth_members WHERE namespace = ? AND user = ?");
    if (!select) return select.error();
    select->bind(1, namespace_name).bind(2, user);
    auto row = select->step();
    if (!row) return row.error();
    if (!*row) return std::optional<NamespaceRole>{};
    int64_t role = select->integer(0);
    if (role < 1 || role > 3) return std::optional<NamespaceRole>{};
    return std::optional<NamespaceRole>{static_cast<NamespaceRole>(role)};
}

Result<std::vector<Membership>> AccountStore::list_members(std::string_view namespace_name) {
    std::lock_guard lock(mutex_);
    auto select = db_->prepare("SELECT user, role FROM auth_members WHERE namespace = ? ORDER BY user");
    if (!select) return select.error();
    select->bind(1, namespace_name);
    std::vector<Membership> members;
    for (;;) {
        auto row = select->step();
        if (!row) return row.error();
        if (!*row) break;
        int64_t role = select->integer(1);
        members.push_back(Membership{select->text(0), role >= 1 && role <= 3 ? static_cast<NamespaceRole>(role)
                                                                             : NamespaceRole::pull});
    }
    return members;
}

Status AccountStore::set_immutable_patterns(RuleScope scope, std::string_view name,
                                            const std::vector<std::string>& patterns) {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(*db_);
    if (!transaction.begun()) return transaction.begun();
    auto remove = db_->prepare("DELETE FROM auth_immutable_rules WHERE scope = ? AND name = ?");
    if (!remove) return remove.error();
    remove->bind(1, scope_text(scope)).bind(2, name);
    if (Status ran = remove->run(); !ran) return ran;
    auto insert = db_->prepare("INSERT INTO auth_immutable_rules (scope, name, position, pattern) VALUES (?, ?, ?, ?)");
    if (!insert) return insert.error();
    for (size_t i = 0; i < patterns.size(); ++i) {
        insert->bind(1, scope_text(scope)).bind(2, name).bind(3, static_cast<int64_t>(i)).bind(4, patterns[i]);
        if (Status ran = insert->run(); !ran) return ran;
    }
    return transaction.commit();
}

Result<std::vector<std::string>> AccountStore::immutable_patterns(RuleScope scope, std::string_view name) {
    std::lock_guard lock(mutex_);
    auto select = db_->prepare("SELECT pattern FROM auth_immutable_rules WHERE scope = ? AND name = ? ORDER BY position");
    if (!select) return select.error();
    select->bind(1, scope_text(scope)).bind(2, name);
    std::vector<std::string> patterns;
    for (;;) {
        auto row = select->step();
        if (!row) return row.error();
        if (!*row) break;
        patterns.push_back(select->text(0));
    }
    return patterns;
}

}  // namespace moat::registry
