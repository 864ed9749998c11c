// The local vulnerability database: OSV advisories imported into one SQLite file, queried by
// (ecosystem, package). Built by the updater (vulndb/updater.h), read by the matcher.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace moat {

constexpr int kVulnDbSchemaVersion = 1;

enum class Severity { Unknown = 0, Low = 1, Medium = 2, High = 3, Critical = 4 };
std::string_view severity_name(Severity severity);  // "CRITICAL", ..., "UNKNOWN"
std::optional<Severity> parse_severity(std::string_view text);  // case-insensitive; MODERATE = MEDIUM

// One OSV range: `type` is ECOSYSTEM, SEMVER or GIT; events in the record's order.
struct RangeEvent {
    enum class Kind { Introduced, Fixed, LastAffected, Limit } kind;
    std::string version;
};
struct AffectedRange {
    std::string type;
    std::vector<RangeEvent> events;
};

// One `affected[]` entry of an advisory, for one (ecosystem, package).
struct AffectedPackage {
    std::string advisory_id;
    std::string ecosystem;  // as the record names it: "Debian:12", "Alpine:v3.18", "AlmaLinux:9", "npm"
    std::string package;    // osv_package_key of the record's name (osv_import.h)
    std::vector<AffectedRange> ranges;
    std::vector<std::string> versions;  // explicit affected versions
};

struct Advisory {
    std::string id;
    std::vector<std::string> aliases;  // aliases, plus CVE ids from `related` / `upstream`
    std::string summary;
    std::string published, modified;  // RFC 3339
    bool withdrawn = false;
    Severity severity = Severity::Unknown;
    // Where the severity came from: the vendor ("debian", "almalinux", "ghsa", ...),
    // "cvss" (a vector in the advisory), "cve" (the CVE JSON 5 severity data), or "" (unknown).
    std::string severity_source;
    std::string cvss_vector;
    double cvss_score = 0;
};

struct EcosystemCount {
    std::string ecosystem;
    uint64_t advisories = 0;
};

// One input of the last update: an ecosystem's all.zip or a file of CVE severity records,
// with what the next update needs for a conditional request.
struct DbSource {
    std::string name;      // the ecosystem folder ("Debian", "npm"), or "severity/<file>"
    std::string kind;      // "osv" (advisories) or "cve" (CVE JSON 5 severity records)
    std::string location;  // the URL or path it was read from
    std::string etag, last_modified;  // HTTP validators (for a directory: size and mtime)
    std::string fetched_at;           // RFC 3339, when it was last checked
    uint64_t records = 0;             // records read from it
    uint64_t skipped = 0;             // records skipped as unusable
    uint64_t unknown_fields = 0;      // fields skipped as unknown or malformed
};

struct DbStatus {
    int schema_version = 0;
    std::string updated_at;  // RFC 3339, when the last successful update finished
    std::vector<std::string> sources;  // "<name> <location>", one per DbSource
    std::vector<EcosystemCount> ecosystems;  // per affected ecosystem ("Debian:12"), sorted
    uint64_t advisories = 0;
    std::vector<DbSource> source_details;  // the same sources, in full
};

// Safe to share between threads (calls are serialised); each call is one indexed query.
class VulnDatabase {
public:
    // Opens an existing database read-only; an error names the path when it is missing,
    // corrupt, or of another schema version.
    static Result<std::unique_ptr<VulnDatabase>> open(const std::filesystem::path& path);
    virtual ~VulnDatabase() = default;

    // The affected rows for one package, by exact ecosystem and by name as its registry
    // compares names (osv_package_key: "PyYAML" finds "pyyaml"); one indexed query.
    // Withdrawn advisories have none: they are kept only for advisory().
    virtual std::vector<AffectedPackage> affected(std::string_view ecosystem,
                                                  std::string_view package) const = 0;
    virtual std::optional<Advisory> advisory(std::string_view id) const = 0;
    virtual DbStatus status() const = 0;
};

// $XDG_CACHE_HOME/moat/db (else ~/.cache/moat/db), as CLI.md says.
std::filesystem::path default_db_path();

}  // namespace moat
