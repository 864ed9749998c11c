// Chooses what to download: for each fix request the lowest published version that fixes all
// of its findings, then whatever those versions need (dependencies that are missing or too old,
// and installed packages of the same source kept at the same version), within a bound.
#pragma once

#include <string>
#include <vector>

#include "fix/apt/apt_fix.h"
#include "fix/apt/packages_index.h"
#include "fix/fix_plan.h"

namespace moat::fix {

// A package published in one configured repository.
struct AptCandidate {
    PackageStanza stanza;
    std::string base_uri;  // where Filename is relative to
    std::string suite;
};

struct PickedPackage {
    const AptCandidate* candidate = nullptr;
    std::string from_version;  // empty for a new dependency
    std::vector<std::string> closes;
};

struct PickResult {
    std::vector<PickedPackage> picks;
    std::vector<UnfixablePackage> unfixable;
};

// `candidates` must outlive the result. `suites` names the configured suites for messages.
PickResult pick_versions(const std::vector<AptCandidate>& candidates, const std::vector<FixRequest>& requests,
                         const std::vector<InstalledDeb>& installed, const std::string& arch,
                         const std::vector<std::string>& suites);

}  // namespace moat::fix
