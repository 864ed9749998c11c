// What the registry keeps about scans, and the policy that judges them: one record per scanned
// image manifest (state, the stored inventory for rematching, the `moat scan` report), each
// namespace's pull policy, the scan configuration with its quota, and the audit log of refused
// pulls. SQLite (DATA/metadata.db) is the embedded default; the scale-out issue adds PostgreSQL
// behind the same interface.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <optional>
#include <string>
#include <vector>

#include "policy/namespace_policy.h"
#include "policy/verdict.h"
#include "registry/scan/scan_config.h"
#include "util/result.h"
#include "util/sqlite_database.h"

namespace moat::registry {

struct ScanRecord {
    std::string manifest_digest;
    std::string repository;          // where it was first pushed (reports name it)
    policy::ScanState state = policy::ScanState::none;
    std::string error;               // why a scan failed, or was refused by the quota
    int64_t updated_at = 0;          // Unix seconds of the last state change
    std::string inventory_json;      // `moat sbom` JSON: rematching needs no layer
    std::string report_json;         // `moat scan` JSON (CLI.md)
    std::string db_updated_at;       // the vulnerability database the report was matched with
};

struct AuditEntry {
    int64_t at = 0;
    std::string user;  // "" for anonymous
    std::string repository;
    std::string reference;
    std::string digest;
    std::string reason;
};

class ScanStore {
public:
    virtual ~ScanStore() = default;

    virtual Status put(const ScanRecord& record) = 0;
    virtual Result<std::optional<ScanRecord>> get(const std::string& manifest_digest) = 0;
    virtual Result<std::vector<std::string>> digests_in_state(policy::ScanState state) = 0;

    // A namespace without a stored policy has the default one (blocking off).
    virtual Result<policy::NamespacePolicy> policy(const std::string& namespace_name) = 0;
    virtual Status set_policy(const std::string& namespace_name, const policy::NamespacePolicy& policy) = 0;
    // Changes with every set_policy: verdicts computed under another generation are stale.
    virtual uint64_t policy_generation() = 0;

    virtual Result<ScanConfig> scan_config() = 0;
    virtual Status set_scan_config(const ScanConfig& config) = 0;
    // Takes one scan from the stored quota, atomically; the error says the quota is used up.
    virtual Status consume_quota() = 0;
    virtual Result<std::optional<int64_t>> last_cycle_start() = 0;
    virtual Status set_last_cycle_start(int64_t at) = 0;

    virtual Status audit(const AuditEntry& entry) = 0;
    virtual Result<std::vector<AuditEntry>> audit_log(size_t limit) = 0;
};

class SqliteScanStore final : public ScanStore {
public:
    static Result<std::unique_ptr<SqliteScanStore>> open(const std::filesystem::path& path);

    Status put(const ScanRecord& record) override;
    Result<std::optional<ScanRecord>> get(const std::string& manifest_digest) override;
    Result<std::vector<std::string>> digests_in_state(policy::ScanState state) override;
    Result<policy::NamespacePolicy> policy(const std::string& namespace_name) override;
    Status set_policy(const std::string& namespace_name, const policy::NamespacePolicy& policy) override;
    uint64_t policy_generation() override {
        std::shared_lock cached(policy_mutex_);
        return policy_generation_;
    }
    Result<ScanConfig> scan_config() override;
    Status set_scan_config(const ScanConfig& config) override;
    Status consume_quota() override;
    Result<std::optional<int64_t>> last_cycle_start() override;
    Status set_last_cycle_start(int64_t at) override;
    Status audit(const AuditEntry& entry) override;
    Result<std::vector<AuditEntry>> audit_log(size_t limit) override;

private:
    explicit SqliteScanStore(std::unique_ptr<SqliteDatabase> db) : db_(std::move(db)) {}
    Result<ScanConfig> scan_config_locked();
    Result<policy::NamespacePolicy> stored_policy(const std::string& namespace_name);
    Status set_scan_config_locked(const ScanConfig& config);

    std::mutex mutex_;
    std::unique_ptr<SqliteDatabase> db_;
    // Policies are read on every gated pull: kept in memory, replaced by set_policy. A read that
    // missed across a set_policy (generation changed) is not kept.
    std::shared_mutex policy_mutex_;
    uint64_t policy_generation_ = 0;
    std::unordered_map<std::string, policy::NamespacePolicy> policies_;
};

// "none", "queued", ... back to the state; nullopt for anything else.
std::optional<policy::ScanState> parse_scan_state(std::string_view text);

}  // namespace moat::registry
