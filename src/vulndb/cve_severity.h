// Severity from CVE records in the CVE JSON 5 format (the CVE List's own format; the offline
// corpus holds a vulnrichment subset): the CVSS rating of each CVE, used for advisories that
// carry no severity of their own (Debian, Alpine and AlmaLinux records), matched by CVE alias.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "vulndb/vulndb.h"

namespace moat {

struct CveSeverity {
    std::string cve_id;
    Severity severity = Severity::Unknown;
    double score = 0;
    std::string vector;    // "CVSS:3.1/…" or "CVSS:4.0/…"
    std::string provider;  // who rated it: the CNA's short name, or the ADP's ("CISA-ADP")
};

struct CveSeverityCounts {
    uint64_t records = 0;       // CVE records read
    uint64_t rated = 0;         // of which carry a usable CVSS v3.x/v4.0 rating
    uint64_t skipped = 0;       // entries that are not a CVE record (no cveMetadata.cveId)
};

// Picks one rating from a CVE JSON 5 record: the CNA's own metrics before the ADPs' (CISA's
// vulnrichment), and within each CVSS v3.1, then v3.0, then v4.0. baseSeverity is used as
// given; without it the score (or for v3.x the vector) gives the rating. `json` must be
// followed by kJsonPadding readable bytes. Error: not JSON; nullopt: no usable rating (or not a
// CVE record: then `counts.skipped` grows).
class CveRecordReader {
public:
    CveRecordReader();
    ~CveRecordReader();
    CveRecordReader(const CveRecordReader&) = delete;
    CveRecordReader& operator=(const CveRecordReader&) = delete;

    Result<std::optional<CveSeverity>> read(std::string_view json, CveSeverityCounts& counts);
    Result<std::optional<CveSeverity>> read_copy(std::string_view json, CveSeverityCounts& counts);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Every *.json entry of a zip of CVE records (any folder layout, e.g. the CVE List's
// `YYYY/Nxxx/CVE-….json`). An error names the zip and the entry.
Status read_cve_severity_zip(const std::filesystem::path& zip, std::vector<CveSeverity>& out,
                             CveSeverityCounts& counts);

// The rating that applies to an advisory through its CVE aliases: the highest of them (an
// advisory fixing several CVEs is as severe as the worst). nullopt when none is rated.
// `lookup` returns the rating of one CVE id, or nullptr.
template <typename Lookup>
const CveSeverity* worst_cve_severity(const std::vector<std::string_view>& cve_ids, Lookup&& lookup) {
    const CveSeverity* worst = nullptr;
    for (std::string_view id : cve_ids) {
        const CveSeverity* rating = lookup(id);
        if (!rating) continue;
        if (!worst || rating->severity > worst->severity ||
            (rating->severity == worst->severity && rating->score > worst->score))
            worst = rating;
    }
    return worst;
}

}  // namespace moat
