// Installs verified .deb files into an unpacked root filesystem without a container engine:
// as root, dpkg runs inside a chroot (maintainer scripts included) in a private mount namespace
// with a minimal /proc and /dev; otherwise the packages' files are unpacked directly and dpkg's
// database is updated by hand (maintainer scripts do not run).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/result.h"

namespace moat::fix {

enum class InstallMode { ChrootDpkg, DirectUnpack };

struct InstallReport {
    InstallMode mode = InstallMode::DirectUnpack;
    std::string dpkg_output;  // what dpkg printed (chroot mode)
    std::vector<std::string> warnings;
};

struct InstallOptions {
    // Unset: chroot mode when running as root, direct unpacking otherwise.
    bool force_direct = false;
};

// Refuses a package whose data tarball would write outside the root or through a link it
// plants: paths or hard links that climb above the root, entries below a symlink of the same
// tarball, symlinks whose relative target climbs above the root. Absolute symlink targets are
// allowed (real packages ship them; they resolve inside the image). `scratch`: a private dir.
Status check_deb_payload(const std::filesystem::path& deb, const std::filesystem::path& scratch);

// Every package is checked with check_deb_payload before anything is installed.
Result<InstallReport> install_debs(const std::filesystem::path& rootfs,
                                   const std::vector<std::filesystem::path>& debs,
                                   const InstallOptions& options = {});

std::string install_mode_name(InstallMode mode);

}  // namespace moat::fix
