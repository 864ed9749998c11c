// What a scan reports about an image: vulnerabilities today; secrets, malware, config and
// baseline findings share this vocabulary as they land.
#pragma once

#include <string>
#include <vector>

#include "inventory/package.h"

namespace moat {

enum class FixStatus { Fixed, Affected, WillNotFix };

struct VulnerabilityFinding {
    std::string id;                    // a CVE id when the advisory names one, else the advisory id
    std::vector<std::string> aliases;  // the advisory ids behind it (DSA-…, DEBIAN-CVE-…, ALSA-…)
    int severity = 0;                  // moat::Severity as int (vulndb/vulndb.h)
    std::string severity_source;
    Package package;
    FixStatus status = FixStatus::Affected;
    std::string fixed_version;
    std::string title;
    // A malicious-package report (an OSV "MAL-" advisory): the package is malware, not a
    // vulnerable version. Kept among the findings for a `kind: malware` finding to use.
    bool malicious = false;
};

}  // namespace moat
