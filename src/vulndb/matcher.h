// The matcher is pure: (inventory, database) -> findings. OS packages are judged by their
// vendor's advisories only, matched by source package where the vendor's data is (Debian,
// Ubuntu, Alpine) and by binary name for rpm distributions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "inventory/finding.h"
#include "inventory/package.h"
#include "vulndb/vulndb.h"
#include "vulndb/version/version_compare.h"

namespace moat {

// The OSV ecosystem holding the vendor's advisories for `os` ("Debian:12", "Alpine:v3.18",
// "Ubuntu:22.04:LTS", "AlmaLinux:9"), or nullopt when moat knows no vendor data for it.
std::optional<std::string> os_ecosystem(const OsInfo& os);

// Whether `version` falls in one OSV range; `fixed` receives the lowest fixed event above it.
bool version_in_range(VersionScheme scheme, std::string_view version, const AffectedRange& range,
                      std::string* fixed);

class Matcher {
public:
    explicit Matcher(const VulnDatabase& db) : db_(db) {}
    std::vector<VulnerabilityFinding> match(const std::vector<Package>& packages,
                                            const std::optional<OsInfo>& os) const;

private:
    const VulnDatabase& db_;
};

}  // namespace moat
