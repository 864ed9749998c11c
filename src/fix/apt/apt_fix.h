// The package-repository half of `moat fix` for Debian and Ubuntu: reads the image's apt
// sources (or --repo lines), verifies InRelease with gpgv, picks the lowest fixing versions plus
// the dependencies they need, and downloads the .debs checked against the signed indexes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "fix/fix_plan.h"
#include "util/result.h"

namespace moat::fix {

// One package from the image's dpkg database (var/lib/dpkg/status).
struct InstalledDeb {
    std::string name;
    std::string version;
    std::string arch;    // "amd64", "all", ...
    std::string status;  // "install ok installed"; other states are ignored when solving
    std::string source_name;  // optional; empty means the same as name
};

struct AptFixOptions {
    // The image's unpacked root filesystem: its etc/apt/sources.list and
    // etc/apt/sources.list.d/*.{list,sources} name the repositories. Ignored when repos is set.
    std::filesystem::path rootfs_or_sources;
    // --repo overrides, replacing the image's sources: each is a one-line
    // "URI SUITE [COMPONENT...]" (a leading "deb " and "[options]" are accepted) or a deb822
    // stanza (URIs:/Suites:/Components:).
    std::vector<std::string> repos;
    // Archive keyring for gpgv. Empty: the Debian archive keyring, or Ubuntu's when the image's
    // sources name Ubuntu suites. A source's Signed-By file (inside rootfs) is not trusted.
    std::filesystem::path keyring;
    // Where indexes and .debs are stored (created if missing); the returned files live here.
    std::filesystem::path download_dir;
    // dpkg architecture of the image, e.g. "amd64".
    std::string arch = "amd64";
};

// Plans and downloads the upgrades for `requests`. Fails (naming the URI and suite) when a
// Release is unsigned, badly signed or expired, when an index or .deb does not match the signed
// hashes, or when a repository cannot be reached. Packages without a fixing version are
// returned in FixPlan::unfixable, not as an error.
Result<FixPlan> plan_apt_fixes(const AptFixOptions& options, const std::vector<FixRequest>& requests,
                               const std::vector<InstalledDeb>& installed);

}  // namespace moat::fix
