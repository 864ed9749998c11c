// Installing .debs without running dpkg (not root, or no dpkg in the image): the data tarball is
// unpacked with the layer unpacker's safety rules, and dpkg's database (status stanza,
// info/<pkg>.list, md5sums, conffiles) is updated by hand. Maintainer scripts do not run.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "fix/deb_installer.h"
#include "util/result.h"

namespace moat::fix {

// `why` opens the warning the report carries ("not running as root").
Result<InstallReport> install_by_unpacking(const std::filesystem::path& rootfs,
                                           const std::vector<std::filesystem::path>& debs,
                                           const std::string& why);

}  // namespace moat::fix
