// Options shared by the image commands, and the filters `moat scan` applies to findings.
#pragma once

#include <ctime>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "inventory/finding.h"
#include "util/result.h"
#include "vulndb/vulndb.h"

namespace moat {

struct ImageOptions {
    std::string image;
    std::string platform;
    bool insecure = false;  // registry images over plain HTTP
    std::string username;
    std::string password;
    std::string format = "table";
    std::string output;
    bool quiet = false;
};

struct ScanOptions {
    ImageOptions image;
    std::string db;
    std::string severity;  // "HIGH" (a minimum) or "CRITICAL,HIGH" (a list)
    std::optional<int> exit_code;
    bool ignore_unfixed = false;
    std::string ignorefile;
    bool skip_db_update = false;
    bool offline = false;
    std::string scanners = "vuln,secret,malware,config,baseline";
    std::string malware_rules;   // a directory of *.yar / *.yara files
    std::string malware_hashes;  // a file of SHA-256 digests
    std::string secret_config;   // a JSON file of extra secret rules and allow rules
};

// `--severity`: one name is a minimum ("HIGH" = HIGH and CRITICAL); several are the set.
Result<std::set<Severity>> parse_severity_filter(const std::string& text);

// An ignore file: one id per line, '#' comments, an optional expiry after the id as
// "2027-01-01" or "exp:2027-01-01"; expired entries no longer ignore anything.
struct IgnoreRule {
    std::string id;
    std::string expires;  // YYYY-MM-DD or empty
};
Result<std::vector<IgnoreRule>> read_ignorefile(const std::string& path);

// Drops what the options exclude: unfixed findings, ignored ids (or aliases), severities.
std::vector<VulnerabilityFinding> filter_findings(std::vector<VulnerabilityFinding> findings,
                                                  const std::set<Severity>& severities,
                                                  const std::vector<IgnoreRule>& ignores,
                                                  bool ignore_unfixed, const std::string& today);

// The same severity and ignore-file filters for secret, malware, config and baseline findings.
std::vector<RiskFinding> filter_risks(std::vector<RiskFinding> findings, const std::set<Severity>& severities,
                                      const std::vector<IgnoreRule>& ignores, const std::string& today);

std::string today_utc();  // YYYY-MM-DD

}  // namespace moat
