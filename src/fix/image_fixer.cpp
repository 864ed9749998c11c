#include "fix/image_fixer.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "fix/rootfs_unpack.h"

namespace moat::fix {
namespace fs = std::filesystem;
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string now_rfc3339() {
    std::time_t now = std::time(nullptr);
    std::tm parts{};
    ::gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

}  // namespace

std::string history_created_by(const FixPlan& plan) {
    std::string out = "moat fix: upgraded ";
    bool first = true;
    for (const auto& package : plan.packages) {
        if (!first) out += ", ";
        first = false;
        out += fmt::format("{} {} -> {}", package.name,
                           package.from_version.empty() ? "(dependency)" : package.from_version,
                           package.to_version);
        if (!package.closes.empty()) {
            out += " (";
            for (size_t i = 0; i < package.closes.size(); ++i)
                out += (i ? ", " : "") + package.closes[i];
            out += ")";
        }
    }
    return out;
}

Result<FixSession> FixSession::unpack(const ImageSource& image, const fs::path& work_dir) {
    FixSession session;
    session.work_dir_ = work_dir;
    session.rootfs_ = work_dir / "rootfs";
    std::error_code error;
    fs::create_directories(session.rootfs_, error);
    if (error)
        return Error{
            fmt::format("{}: cannot create: {}", session.rootfs_.string(), error.message())};
    auto start = std::chrono::steady_clock::now();
    auto unpacked = unpack_image(image, session.rootfs_);
    if (!unpacked) return unpacked.error();
    auto before = take_snapshot(session.rootfs_, is_transient_path);
    if (!before) return before.error();
    session.before_ = std::move(*before);
    session.unpack_seconds_ = seconds_since(start);
    return session;
}

Result<FixOutcome> FixSession::install_and_write(const ImageSource& image, const FixPlan& plan,
                                                 const ImageTarget& target,
                                                 const InstallOptions& install_options,
                                                 const PackageInstaller& installer) {
    FixOutcome outcome;
    outcome.timings.unpack_seconds = unpack_seconds_;
    auto start = std::chrono::steady_clock::now();
    auto install_debs_of = [&](const fs::path& rootfs, const FixPlan& debs_plan) {
        std::vector<fs::path> debs;
        for (const auto& package : debs_plan.packages) debs.push_back(package.file);
        return install_debs(rootfs, debs, install_options);
    };
    auto installed = installer ? installer(rootfs_, plan) : install_debs_of(rootfs_, plan);
    if (!installed) return installed.error();
    outcome.install = std::move(*installed);
    outcome.timings.install_seconds = seconds_since(start);

    start = std::chrono::steady_clock::now();
    auto after = take_snapshot(rootfs_, is_transient_path);
    if (!after) return after.error();
    RootfsDiff diff = diff_snapshots(before_, *after);
    outcome.changed_paths = diff.written.size();
    outcome.removed_paths = diff.removed.size();
    LayerWriteOptions layer_options;
    layer_options.own_ids_as_root =
        outcome.install.mode == InstallMode::DirectUnpack && ::geteuid() != 0;
    auto layer = write_diff_layer(rootfs_, diff, *after, work_dir_ / "layer.tar.gz", layer_options);
    if (!layer) return layer.error();
    outcome.layer = std::move(*layer);
    outcome.timings.layer_seconds = seconds_since(start);

    start = std::chrono::steady_clock::now();
    HistoryNote note{now_rfc3339(), history_created_by(plan),
                     fmt::format("moat fix: {}", install_mode_name(outcome.install.mode))};
    auto written = write_fixed_image(image, target, outcome.layer, note);
    if (!written) return written.error();
    outcome.image = std::move(*written);
    outcome.timings.write_seconds = seconds_since(start);
    return outcome;
}

Result<FixOutcome> apply_fix_plan(const ImageSource& image, const FixPlan& plan,
                                  const ImageTarget& target, const fs::path& work_dir,
                                  const InstallOptions& install_options) {
    auto session = FixSession::unpack(image, work_dir);
    if (!session) return session.error();
    return session->install_and_write(image, plan, target, install_options);
}

}  // namespace moat::fix
