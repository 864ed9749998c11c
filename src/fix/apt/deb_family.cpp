// The deb family of `moat fix`: the apt planner for repositories, the local-.deb planner for
// --deb files, and dpkg for installing.
#include "fix/apt/apt_fix.h"
#include "fix/fix_requests.h"
#include "fix/package_family.h"

namespace moat::fix {
namespace {

class DebFamily : public PackageFamily {
  public:
    std::string package_type() const override { return "deb"; }

    Result<FixPlan> plan(const std::filesystem::path& rootfs, const std::vector<FixRequest>& requests,
                         const std::vector<Package>& installed,
                         const FamilyFixOptions& options) const override {
        if (!options.local_packages.empty()) return plan_from_local_debs(requests, options.local_packages);
        AptFixOptions apt;
        apt.rootfs_or_sources = rootfs;
        apt.repos = options.repos;
        if (!options.keyring.empty()) apt.keyring = options.keyring;
        apt.download_dir = options.download_dir;
        std::vector<InstalledDeb> debs;
        for (const auto& package : installed) {
            if (package.type != "deb") continue;
            debs.push_back({package.name, package.version, package.arch, "install ok installed", package.source_name});
            if (!package.arch.empty() && package.arch != "all") apt.arch = package.arch;
        }
        return plan_apt_fixes(apt, requests, debs);
    }

    Result<InstallReport> install(const std::filesystem::path& rootfs, const FixPlan& plan,
                                  const InstallOptions& options) const override {
        std::vector<std::filesystem::path> debs;
        for (const auto& package : plan.packages) debs.push_back(package.file);
        return install_debs(rootfs, debs, options);
    }
};

}  // namespace

std::unique_ptr<PackageFamily> make_deb_family() { return std::make_unique<DebFamily>(); }

}  // namespace moat::fix
