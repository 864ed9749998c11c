// From a scan's findings to what the package side is asked for: one FixRequest per installed
// OS package with fixable findings (optionally only some ids); and, for packages given as local
// files, the plan they make (which findings each closes).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "fix/fix_plan.h"
#include "inventory/finding.h"
#include "util/result.h"

namespace moat::fix {

// `only`: finding ids (or aliases) to fix; empty means all. Only packages of `package_type`
// ("deb", "apk", "rpm": the image's package family) with a fixed version are requested.
std::vector<FixRequest> build_fix_requests(const std::vector<VulnerabilityFinding>& findings,
                                           const std::vector<std::string>& only,
                                           const std::string& package_type = "deb");

// A plan from .deb files already on disk (`moat fix --deb FILE`): each file's package and
// version are read from its control file; requests no file upgrades are listed as unfixable.
Result<FixPlan> plan_from_local_debs(const std::vector<FixRequest>& requests,
                                     const std::vector<std::filesystem::path>& debs);

}  // namespace moat::fix
