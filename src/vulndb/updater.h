// `moat db update`: fetches the OSV export (one all.zip per ecosystem) and CVE severity
// records from a URL or a local directory, and builds a new database file that replaces the
// old one atomically.
//
// Guarantees:
// - The new database is built under a temporary name in the target's directory, fsynced, and
//   renamed over the target only when everything was imported: a crash, a kill, a failed
//   download or corrupt data leaves the previous database as it was, still answering.
// - Any failing input (download error, corrupt zip, a record that is not JSON) fails the whole
//   update with a message naming that ecosystem: a partial database would silently lose
//   advisories, which a scanner must never do. Fields and ecosystems moat does not know are
//   skipped and counted, not fatal.
// - Conditional requests: each file is requested with If-None-Match / If-Modified-Since from
//   the previous database's state (for a directory: its size and mtime). When every source is
//   unchanged, the old file is kept and only its updated_at is touched. Otherwise a new file is
//   built: changed sources are imported, unchanged ones are copied from the old database.
// - One updater at a time per database (an flock on `<db>.lock`); leftovers of a killed update
//   (`<db>.tmp-*`, `<db>.download-*`) are removed by the next one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "util/result.h"
#include "vulndb/osv_import.h"
#include "vulndb/vulndb.h"

namespace moat {

// The public OSV export (a Google Cloud Storage bucket with ecosystems.txt at its root).
inline constexpr const char* kDefaultOsvSource = "https://osv-vulnerabilities.storage.googleapis.com/";

struct UpdateOptions {
    std::string source;             // URL (http:// or https://) or directory; empty: kDefaultOsvSource
    std::filesystem::path db_path;  // empty: default_db_path()
    // CVE JSON 5 records in zip files: a zip file, a directory of them, a URL of one, or a URL
    // folder (its `index.txt` lists the zip names; without one, the folder's HTML listing is
    // read). Empty: "severity/" under `source`, used only if present.
    std::string severity_source;
    bool progress = true;  // a progress line on stderr, only when stderr is a terminal

    long connect_timeout_seconds = 20;
    long stall_timeout_seconds = 60;  // abort a transfer slower than 1 KiB/s for this long
    int retries = 3;                  // retries after a transient failure (network, 5xx, 429)
    double retry_backoff_seconds = 1.0;  // the first wait; it doubles for each retry
};

struct SourceStats {
    std::string name;      // "Debian", "severity/vulnrichment-subset.zip"
    std::string kind;      // "osv" or "cve"
    std::string location;  // URL or path
    bool changed = true;   // false: not modified since the last update (carried over)
    uint64_t bytes = 0;    // downloaded (0 when unchanged or read from a directory)
    uint64_t records = 0;  // records imported (or carried over)
    uint64_t duplicates = 0;  // records another folder had already given
    OsvImportCounts counts;   // osv: what was skipped and counted
    double seconds = 0;
};

struct UpdateStats {
    std::filesystem::path db_path;
    bool unchanged = false;  // every source was unchanged: the old file was kept (touched)
    std::vector<SourceStats> sources;
    uint64_t advisories = 0;      // advisories in the database
    uint64_t cve_records = 0;     // CVE records in the severity sources
    uint64_t cve_rated = 0;       // advisories whose severity came from those
    OsvImportCounts counts;       // totals over all OSV sources
    std::vector<std::string> notes;  // one-line remarks for the user (e.g. no severity data)
    uint64_t db_bytes = 0;
    double seconds = 0;           // the whole update
};

// Runs one update. An error message names the source (and ecosystem) that failed and says
// that the previous database was left in place.
Result<UpdateStats> update_database(const UpdateOptions& options);

}  // namespace moat
