// A namespace's pull-blocking policy (seed 000): whether to block, the severity at and above which
// findings block, a CVE allowlist with optional expiry, and what to do with images not scanned yet
// or whose scan failed. The JSON form is the contract of PUT/GET /api/v1/namespaces/{ns}/policy.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "vulndb/vulndb.h"

namespace moat::policy {

struct AllowlistEntry {
    std::string id;       // "CVE-2024-1234" (or any finding id: GHSA-…, a secret rule id)
    std::string expires;  // "YYYY-MM-DD" (the entry stops applying after that day); "" = never
};

enum class UnscannedRule { block, allow };

struct NamespacePolicy {
    bool block_enabled = false;
    Severity block_severity = Severity::High;
    std::vector<AllowlistEntry> allowlist;
    UnscannedRule unscanned = UnscannedRule::allow;
    // Malware findings (a YARA rule, a known-bad hash, an OSV MAL- package) block too, whatever
    // their severity. Off by default: the seed's policy is about vulnerabilities, and a malware
    // finding is reported whatever the policy says.
    bool block_malware = false;
};

// Parses the API document; unknown fields are refused so a typo does not silently disable a
// rule. Errors name the field.
Result<NamespacePolicy> parse_policy_json(std::string_view json);
std::string policy_to_json(const NamespacePolicy& policy);

// Whether `entry` still applies on `today` ("YYYY-MM-DD", UTC).
bool allowlist_entry_active(const AllowlistEntry& entry, std::string_view today);

// Today's date in UTC as "YYYY-MM-DD" for `unix_seconds`.
std::string utc_date(long long unix_seconds);

}  // namespace moat::policy
