// The SQLite file behind VulnDatabase: its schema, the writer the updater fills a new file with,
// and the read-only reader the matcher queries.
//
// Schema (version kVulnDbSchemaVersion, in `meta`):
//   meta(key, value)                         schema_version, created_at, updated_at, advisories
//   sources(name, kind, location, etag, last_modified, fetched_at, records, skipped, unknown_fields)
//   advisories(id, aliases, summary, published, modified, withdrawn, severity, severity_source,
//              cvss_vector, cvss_score)
//   affected(ecosystem, package, advisory_id, ranges, versions)
//       `package` is osv_package_key(ecosystem, name): PyPI names PEP 503-normalised, NuGet and
//       Packagist names lowercased (databases written before that hold them as the records did).
//       PRIMARY KEY (ecosystem, package, advisory_id), WITHOUT ROWID: a lookup by
//       (ecosystem, package) is one index seek, and the rows it returns are stored together.
//   aliases(alias, advisory_id)              every alias, to find advisories by CVE id
//   advisory_sources(source, advisory_id)    which input holds each advisory (for carry-over)
//   cve_severity(cve_id, severity, score, vector, provider, source)
//   ecosystem_counts(ecosystem, advisories)
// `aliases` and `versions` are compact JSON arrays of strings. `ranges` is a compact JSON array
// with one array per range: the type, then (kind, version) pairs in the record's order, kinds
// written "i" introduced, "f" fixed, "a" last_affected, "l" limit:
//   [["ECOSYSTEM","i","0","f","3.0.11-1~deb12u2"]]
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "vulndb/cve_severity.h"
#include "vulndb/osv_import.h"
#include "vulndb/vulndb.h"

struct sqlite3;

namespace moat {

// Encodings of the packed columns (exposed for tests).
std::string encode_ranges(const std::vector<AffectedRange>& ranges);
bool decode_ranges(std::string_view text, std::vector<AffectedRange>& out);
std::string encode_string_list(const std::vector<std::string>& items);
bool decode_string_list(std::string_view text, std::vector<std::string>& out);

// Fills a new database file. Everything happens in one transaction, with journaling and syncs
// off (the file is private until the updater renames it into place, after an fsync). The
// schema version goes into `meta` only in finish(), so an unfinished file never opens as a
// database.
class VulnDbWriter {
public:
    // `path` must not exist yet. `previous`, if not empty, is an older database of this schema
    // that carry_over() copies from (attached read-only).
    static Result<std::unique_ptr<VulnDbWriter>> create(const std::filesystem::path& path,
                                                        const std::filesystem::path& previous = {});
    ~VulnDbWriter();
    VulnDbWriter(const VulnDbWriter&) = delete;
    VulnDbWriter& operator=(const VulnDbWriter&) = delete;

    // Stores one advisory and its affected rows. Returns false (and only notes `source`) when
    // an advisory with this id is stored already: the export puts a record naming several
    // ecosystems into each of their folders.
    Result<bool> add_record(const OsvRecord& record, std::string_view source);
    Status add_cve_severity(const CveSeverity& rating, std::string_view source);
    // Copies what `source` contributed to an older database of this schema (the source did
    // not change since). Returns the number of advisories (or CVE ratings) copied.
    Result<uint64_t> carry_over(const DbSource& source);
    Status set_source(const DbSource& source);
    // Gives advisories without a severity of their own the worst rating of their CVE aliases
    // from cve_severity (source "cve"). Returns how many advisories got one.
    Result<uint64_t> apply_cve_severity();
    // Counts, meta, commit; the file is complete and closed afterwards.
    Status finish(std::string_view updated_at);

    uint64_t advisory_count() const { return advisories_; }

private:
    struct Impl;
    explicit VulnDbWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
    uint64_t advisories_ = 0;
};

// Sets updated_at and the sources' fetched_at of an existing database (when an update found
// every source unchanged), in one SQLite transaction.
Status touch_database(const std::filesystem::path& path, std::string_view updated_at);

// RFC 3339 UTC, to the second.
std::string utc_now_rfc3339();

}  // namespace moat
