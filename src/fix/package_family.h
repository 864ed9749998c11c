// The package-family half of `moat fix`, one implementation per family (deb now; apk and rpm
// next): where fixed packages come from (signed repository indexes, or local files) and how
// they are installed into the unpacked root filesystem. The image half (fix/image_fixer) is
// shared by every family.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fix/deb_installer.h"
#include "fix/fix_plan.h"
#include "inventory/package.h"
#include "util/result.h"

namespace moat::fix {

struct FamilyFixOptions {
    std::vector<std::string> repos;                      // --repo: the family's repository lines
    std::filesystem::path keyring;                       // --keyring: overrides the family's keys
    std::vector<std::filesystem::path> local_packages;   // --deb/--package: files instead of repos
    std::filesystem::path download_dir;                  // private, inside the fix work dir
};

class PackageFamily {
  public:
    virtual ~PackageFamily() = default;
    // The inventory's package type this family fixes: "deb", "apk" or "rpm".
    virtual std::string package_type() const = 0;
    // Verified package files fixing `requests` (or the reason each cannot be fixed), read from
    // the image's own repository configuration under `rootfs` unless options name others.
    virtual Result<FixPlan> plan(const std::filesystem::path& rootfs,
                                 const std::vector<FixRequest>& requests,
                                 const std::vector<Package>& installed,
                                 const FamilyFixOptions& options) const = 0;
    // Installs the plan's files into `rootfs` and says which mode ran.
    virtual Result<InstallReport> install(const std::filesystem::path& rootfs, const FixPlan& plan,
                                          const InstallOptions& options) const = 0;
};

// The family that fixes images of `os`, or an error saying why moat cannot fix it (yet).
Result<std::unique_ptr<PackageFamily>> package_family_for(const OsInfo& os);

// Debian and Ubuntu: apt repositories (fix/apt) and dpkg (fix/deb_installer).
std::unique_ptr<PackageFamily> make_deb_family();

}  // namespace moat::fix
