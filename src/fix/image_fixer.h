// The image half of `moat fix`: unpack the image, install a plan's packages, and write the
// change as one new layer of a new image, timing each phase.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "fix/deb_installer.h"
#include "fix/fix_plan.h"
#include "fix/image_writer.h"
#include "fix/layer_writer.h"
#include "fix/rootfs_snapshot.h"
#include "image/image.h"
#include "util/result.h"

namespace moat::fix {

struct FixTimings {
    double unpack_seconds = 0;
    double install_seconds = 0;
    double layer_seconds = 0;  // snapshot diff and the layer tar.gz
    double write_seconds = 0;  // config, manifest, index or archive
};

// Installs a plan's package files into the unpacked rootfs (one per package family; the default
// is install_debs).
using PackageInstaller = std::function<Result<InstallReport>(const std::filesystem::path& rootfs,
                                                             const FixPlan& plan)>;

struct FixOutcome {
    InstallReport install;
    WrittenLayer layer;
    FixedImage image;
    FixTimings timings;
    uint64_t changed_paths = 0, removed_paths = 0;
};

// "moat fix: upgraded libssl3 3.0.11-1~deb12u2 -> 3.0.15-1~deb12u1 (CVE-..., ...), ..."
std::string history_created_by(const FixPlan& plan);

// The image unpacked into work_dir/rootfs with its state recorded, so a plan can be made from
// its files (apt sources, dpkg status) and then installed and written as one layer.
class FixSession {
  public:
    // `work_dir`: an empty private directory for the rootfs and the layer; removed by the caller.
    static Result<FixSession> unpack(const ImageSource& image,
                                     const std::filesystem::path& work_dir);

    const std::filesystem::path& rootfs() const { return rootfs_; }
    double unpack_seconds() const { return unpack_seconds_; }

    // Installs the plan's packages with `installer` (default: .debs by install_debs) and
    // writes `target`.
    Result<FixOutcome> install_and_write(const ImageSource& image, const FixPlan& plan,
                                         const ImageTarget& target,
                                         const InstallOptions& install_options = {},
                                         const PackageInstaller& installer = {});

  private:
    std::filesystem::path work_dir_, rootfs_;
    RootfsSnapshot before_;
    double unpack_seconds_ = 0;
};

// FixSession::unpack then install_and_write.
Result<FixOutcome> apply_fix_plan(const ImageSource& image, const FixPlan& plan,
                                  const ImageTarget& target, const std::filesystem::path& work_dir,
                                  const InstallOptions& install_options = {});

}  // namespace moat::fix
