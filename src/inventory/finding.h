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

// Secret, malware, config and baseline findings share one shape; `kind` tells them apart.
struct RiskFinding {
    std::string kind;   // "secret", "malware", "config", "baseline"
    std::string id;     // rule id: "aws-access-key-id", "eicar-test-file", "CIS-DI-0001", "MOAT-..."
    int severity = 0;   // moat::Severity as int (vulndb/vulndb.h)
    std::string title;
    // A file of the image (no leading '/'), or "image-config:Env[KEY]" / "image-config:History[3]".
    std::string path;
    std::string layer;     // digest of the layer holding the file; "" for image-config findings
    size_t line = 0;       // 1-based line of a secret; 0 when it does not apply
    std::string match;     // secrets: the matched text, redacted
    std::string evidence;  // what was seen, in words
    std::string fix;       // how to fix it
    std::string sha256;    // malware: the file's digest
    bool deleted = false;  // a later layer deleted the file (it can still be pulled and read)
};

}  // namespace moat
