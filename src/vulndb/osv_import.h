// Reading OSV advisories: the entries of an OSV-export zip, one record's JSON into an Advisory
// and its affected packages (every field untrusted: bad or unknown parts are skipped and
// counted), vendor severities, and the CVSS 3.x base score.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "vulndb/vulndb.h"

namespace moat {

// --- CVSS -----------------------------------------------------------------------------------

// The base score of a CVSS 3.0 or 3.1 vector ("CVSS:3.1/AV:N/AC:L/..."), by the formula of the
// FIRST specification (each version with its own Roundup). Temporal and environmental metrics
// are accepted and ignored. nullopt when the vector is not a complete, valid 3.x base vector.
std::optional<double> cvss3_base_score(std::string_view vector);
// The qualitative rating scale of CVSS 3.x/4.0. A score of 0.0 ("None") is reported as Low:
// the advisory exists, so it is not "unknown".
Severity severity_from_cvss_score(double score);

// "CVE-2023-0286" for "CVE-2023-0286" and for prefixed forms such as "UBUNTU-CVE-2023-0286";
// nullopt when the text holds no well-formed CVE id.
std::optional<std::string_view> cve_id_in(std::string_view text);

// --- zip ------------------------------------------------------------------------------------

// Bytes of readable zeros after every entry body handed to a ZipEntryVisitor (what simdjson
// needs to parse in place).
constexpr size_t kJsonPadding = 64;

struct ZipLimits {
    uint64_t max_entry_bytes = 64ull << 20;  // one advisory; more is refused as a bomb
    uint64_t max_total_bytes = 16ull << 30;  // the whole archive, expanded
};

// Called for each regular entry: its name and body (followed by kJsonPadding zero bytes).
// Returning an error stops the walk with that error.
using ZipEntryVisitor = std::function<Status(std::string_view name, std::string_view body)>;

// Reads every entry of a zip file with libarchive (CRCs checked). An error names the file (or
// `label`, when given) and the entry: a truncated or corrupt archive, or an entry over the limits.
Status for_each_zip_entry(const std::filesystem::path& zip, const ZipEntryVisitor& visit,
                          ZipLimits limits = {}, std::string_view label = {});

// --- OSV records ----------------------------------------------------------------------------

struct OsvRecord {
    Advisory advisory;
    // One entry per (ecosystem, package): OSV entries naming the same package are merged (their
    // ranges and versions together), as OSV gives them the same "affected if any" meaning.
    std::vector<AffectedPackage> affected;
};

// What an import skipped, so that a user can see that nothing was silently lost.
struct OsvImportCounts {
    uint64_t records = 0;             // records parsed into advisories
    uint64_t skipped_records = 0;     // valid JSON but not a usable record (not an object, no id)
    uint64_t withdrawn = 0;           // withdrawn records (kept, without affected rows)
    uint64_t unknown_fields = 0;      // field names the OSV schema does not have (skipped)
    uint64_t invalid_fields = 0;      // known fields of the wrong type or shape (skipped)
    uint64_t unknown_ecosystems = 0;  // affected entries of an ecosystem moat does not know
    std::map<std::string, uint64_t> unknown_field_names;      // e.g. "affected[].foo"
    std::map<std::string, uint64_t> unknown_ecosystem_names;  // e.g. "purl-type:swift"

    void add(const OsvImportCounts& other);
};

// True for the ecosystems of the OSV schema ("Debian:12" counts as "Debian").
bool is_known_osv_ecosystem(std::string_view ecosystem);

// The package name as the database keys it: names compare as their ecosystem's registry
// compares them. PyPI per PEP 503 (lowercase, each run of '-', '_', '.' as one '-':
// "PyYAML", "Flask_Cors"), NuGet and Packagist case-insensitively (lowercase); any other
// ecosystem exactly as written. The importer stores affected packages under this key and the
// reader normalises the names it is asked for the same way.
std::string osv_package_key(std::string_view ecosystem, std::string_view name);

// Parses OSV records; holds a reusable simdjson parser, so keep one per thread.
class OsvRecordParser {
public:
    OsvRecordParser();
    ~OsvRecordParser();
    OsvRecordParser(const OsvRecordParser&) = delete;
    OsvRecordParser& operator=(const OsvRecordParser&) = delete;

    // `json` must be followed by kJsonPadding readable bytes (for_each_zip_entry provides
    // them; parse_copy() does not need them). An error: the text is not JSON. nullopt: JSON,
    // but not a usable record (counted in skipped_records).
    Result<std::optional<OsvRecord>> parse(std::string_view json, OsvImportCounts& counts);
    // The same for text without padding (tests, small inputs): copies it first.
    Result<std::optional<OsvRecord>> parse_copy(std::string_view json, OsvImportCounts& counts);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace moat
