#include "registry/scan/scan_store.h"

#include <charconv>

#include <fmt/format.h>

namespace moat::registry {

namespace {

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS scan_records (
    manifest_digest TEXT PRIMARY KEY,
    repository TEXT NOT NULL,
    state TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    inventory TEXT NOT NULL DEFAULT '',
    report TEXT NOT NULL DEFAULT '',
    db_updated_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS scan_records_state ON scan_records(state);
CREATE TABLE IF NOT EXISTS namespace_policies (namespace TEXT PRIMARY KEY, policy TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scan_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pull_audit (
    at INTEGER NOT NULL, user TEXT NOT NULL, repository TEXT NOT NULL, reference TEXT NOT NULL,
    digest TEXT NOT NULL, reason TEXT NOT NULL
);
)";

Result<std::optional<std::string>> read_setting(SqliteDatabase& db, std::string_view key) {
    auto statement = db.prepare("SELECT value FROM scan_settings WHERE key = ?");
    if (!statement) return statement.error();
    statement->bind(1, key);
    auto row = statement->step();
    if (!row) return row.error();
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>(statement->text(0));
}

Status write_setting(SqliteDatabase& db, std::string_view key, std::string_view value) {
    auto statement = db.prepare("INSERT INTO scan_settings(key, value) VALUES(?, ?) "
                                "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!statement) return statement.error();
    return statement->bind(1, key).bind(2, value).run();
}

}  // namespace

std::optional<policy::ScanState> parse_scan_state(std::string_view text) {
    using policy::ScanState;
    for (ScanState state : {ScanState::none, ScanState::queued, ScanState::running, ScanState::done, ScanState::failed})
        if (policy::scan_state_name(state) == text) return state;
    return std::nullopt;
}

Result<std::unique_ptr<SqliteScanStore>> SqliteScanStore::open(const std::filesystem::path& path) {
    auto db = SqliteDatabase::open(path);
    if (!db) return db.error();
    if (Status created = (*db)->exec(kSchema); !created.ok()) return created.error();
    return std::unique_ptr<SqliteScanStore>(new SqliteScanStore(std::move(*db)));
}

Status SqliteScanStore::put(const ScanRecord& record) {
    std::lock_guard lock(mutex_);
    auto statement = db_->prepare(
        "INSERT INTO scan_records(manifest_digest, repository, state, error, updated_at, inventory, report, "
        "db_updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(manifest_digest) DO UPDATE SET "
        "state = excluded.state, error = excluded.error, updated_at = excluded.updated_at, "
        "inventory = excluded.inventory, report = excluded.report, db_updated_at = excluded.db_updated_at");
    if (!statement) return statement.error();
    statement->bind(1, record.manifest_digest)
        .bind(2, record.repository)
        .bind(3, policy::scan_state_name(record.state))
        .bind(4, record.error)
        .bind(5, record.updated_at)
        .bind(6, record.inventory_json)
        .bind(7, record.report_json)
        .bind(8, record.db_updated_at);
    return statement->run();
}

Result<std::optional<ScanRecord>> SqliteScanStore::get(const std::string& manifest_digest) {
    std::lock_guard lock(mutex_);
    auto statement = db_->prepare(
        "SELECT repository, state, error, updated_at, inventory, report, db_updated_at FROM scan_records "
        "WHERE manifest_digest = ?");
    if (!statement) return statement.error();
    statement->bind(1, manifest_digest);
    auto row = statement->step();
    if (!row) return row.error();
    if (!*row) return std::optional<ScanRecord>();
    ScanRecord record;
    record.manifest_digest = manifest_digest;
    record.repository = statement->text(0);
    record.state = parse_scan_state(statement->text(1)).value_or(policy::ScanState::none);
    record.error = statement->text(2);
    record.updated_at = statement->integer(3);
    record.inventory_json = statement->text(4);
    record.report_json = statement->text(5);
    record.db_updated_at = statement->text(6);
    return std::optional<ScanRecord>(std::move(record));
}

Result<std::vector<std::string>> SqliteScanStore::digests_in_state(policy::ScanState state) {
    std::lock_guard lock(mutex_);
    auto statement = db_->prepare("SELECT manifest_digest FROM scan_records WHERE state = ? ORDER BY manifest_digest");
    if (!statement) return statement.error();
    statement->bind(1, policy::scan_state_name(state));
    std::vector<std::string> digests;
    for (;;) {
        auto row = statement->step();
        if (!row) return row.error();
        if (!*row) break;
        digests.push_back(statement->text(0));
    }
    return digests;
}

Result<policy::NamespacePolicy> SqliteScanStore::policy(const std::string& namespace_name) {
    uint64_t generation;
    {
        std::shared_lock cached(policy_mutex_);
        if (auto found = policies_.find(namespace_name); found != policies_.end()) return found->second;
        generation = policy_generation_;
    }
    auto stored = stored_policy(namespace_name);
    if (!stored) return stored;
    std::unique_lock cached(policy_mutex_);
    constexpr size_t kMaxCachedPolicies = 16384;
    if (generation == policy_generation_) {
        if (policies_.size() >= kMaxCachedPolicies) policies_.clear();
        policies_.emplace(namespace_name, *stored);
    }
    return stored;
}

Result<policy::NamespacePolicy> SqliteScanStore::stored_policy(const std::string& namespace_name) {
    std::lock_guard lock(mutex_);
    auto statement = db_->prepare("SELECT policy FROM namespace_policies WHERE namespace = ?");
    if (!statement) return statement.error();
    statement->bind(1, namespace_name);
    auto row = statement->step();
    if (!row) return row.error();
    if (!*row) return policy::NamespacePolicy{};
    auto parsed = policy::parse_policy_json(statement->text(0));
    if (!parsed) return Error{fmt::format("stored policy of namespace {}: {}", namespace_name, parsed.error().message)};
    return parsed;
}

Status SqliteScanStore::set_policy(const std::string& namespace_name, const policy::NamespacePolicy& policy) {
    std::lock_guard lock(mutex_);
    auto statement = db_->prepare("INSERT INTO namespace_policies(namespace, policy) VALUES(?, ?) "
                                  "ON CONFLICT(namespace) DO UPDATE SET policy = excluded.policy");
    if (!statement) return statement.error();
    Status written = statement->bind(1, namespace_name).bind(2, policy::policy_to_json(policy)).run();
    std::unique_lock cached(policy_mutex_);
    ++policy_generation_;
    policies_.erase(namespace_name);
    return written;
}

Result<ScanConfig> SqliteScanStore::scan_config_locked() {
    auto stored = read_setting(*db_, "scan_config");
    if (!stored) return stored.error();
    if (!*stored) return ScanConfig{};
    auto config = parse_scan_config_json(**stored, ScanConfig{});
    if (!config) return Error{"stored scan configuration: " + config.error().message};
    return config;
}

Status SqliteScanStore::set_scan_config_locked(const ScanConfig& config) {
    return write_setting(*db_, "scan_config", scan_config_to_json(config));
}

Result<ScanConfig> SqliteScanStore::scan_config() {
    std::lock_guard lock(mutex_);
    return scan_config_locked();
}

Status SqliteScanStore::set_scan_config(const ScanConfig& config) {
    std::lock_guard lock(mutex_);
    return set_scan_config_locked(config);
}

Status SqliteScanStore::consume_quota() {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(*db_);
    if (!transaction.begun().ok()) return transaction.begun();
    auto config = scan_config_locked();
    if (!config) return config.error();
    if (Status taken = registry::consume_quota(config->quota); !taken.ok()) return taken;
    if (Status saved = set_scan_config_locked(*config); !saved.ok()) return saved;
    return transaction.commit();
}

Result<std::optional<int64_t>> SqliteScanStore::last_cycle_start() {
    std::lock_guard lock(mutex_);
    auto stored = read_setting(*db_, "last_cycle_start");
    if (!stored) return stored.error();
    if (!*stored) return std::optional<int64_t>();
    int64_t at = 0;
    auto [end, error] = std::from_chars((*stored)->data(), (*stored)->data() + (*stored)->size(), at);
    if (error != std::errc()) return Error{"stored last_cycle_start is not a number"};
    (void)end;
    return std::optional<int64_t>(at);
}

Status SqliteScanStore::set_last_cycle_start(int64_t at) {
    std::lock_guard lock(mutex_);
    return write_setting(*db_, "last_cycle_start", std::to_string(at));
}

Status SqliteScanStore::audit(const AuditEntry& entry) {
    std::lock_guard lock(mutex_);
    auto statement = db_->prepare(
        "INSERT INTO pull_audit(at, user, repository, reference, digest, reason) VALUES(?, ?, ?, ?, ?, ?)");
    if (!statement) return statement.error();
    return statement->bind(1, entry.at)
        .bind(2, entry.user)
        .bind(3, entry.repository)
        .bind(4, entry.reference)
        .bind(5, entry.digest)
        .bind(6, entry.reason)
        .run();
}

Result<std::vector<AuditEntry>> SqliteScanStore::audit_log(size_t limit) {
    std::lock_guard lock(mutex_);
    auto statement = db_->prepare(
        "SELECT at, user, repository, reference, digest, reason FROM pull_audit ORDER BY rowid DESC LIMIT ?");
    if (!statement) return statement.error();
    statement->bind(1, static_cast<int64_t>(limit));
    std::vector<AuditEntry> entries;
    for (;;) {
        auto row = statement->step();
        if (!row) return row.error();
        if (!*row) break;
        entries.push_back({statement->integer(0), statement->text(1), statement->text(2), statement->text(3),
                           statement->text(4), statement->text(5)});
    }
    return entries;
}

}  // namespace moat::registry
