#include "cli/fix_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/scan_command.h"
#include "fix/fix_requests.h"
#include "fix/image_fixer.h"
#include "fix/package_family.h"
#include "image/image.h"
#include "image/registry_client.h"
#include "util/temp_dir.h"
#include "vulndb/matcher.h"

namespace moat {
namespace {

constexpr int kExitFailure = 1;

int fail(const std::string& message) {
    std::fprintf(stderr, "%s\n",
                 message.starts_with("moat") ? message.c_str() : ("moat fix: " + message).c_str());
    return kExitFailure;
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
    return out;
}

}  // namespace

int run_fix(const FixOptions& options) {
    const auto& ref = options.image;
    if (ref.starts_with("dir:"))
        return fail("moat fix: dir: images have no layers to add to; use oci:, docker-archive: "
                    "or a registry image");
    // A bad output (or an input moat cannot write back to) fails before any work.
    if (auto checked = fix::resolve_target(ref, options.output, options.overwrite, {}); !checked)
        return fail(checked.error().message);
    if (::geteuid() != 0 && !options.quiet)
        std::fprintf(stderr,
                     "moat fix: not running as root: packages will be unpacked directly and "
                     "maintainer scripts will not run\n");

    ScanOptions scan;
    scan.image.image = ref;
    scan.image.quiet = options.quiet;
    scan.image.insecure = options.insecure;
    scan.image.username = options.username;
    scan.image.password = options.password;
    scan.db = options.db;
    scan.skip_db_update = options.skip_db_update;
    scan.offline = options.offline;
    auto inventory = inventory_image(scan.image);
    if (!inventory) return fail(inventory.error().message);
    auto family = fix::package_family_for(inventory->os.value_or(OsInfo{}));
    if (!family) return fail(family.error().message);
    auto db = prepare_database(scan);
    if (!db) return fail(db.error().message);
    auto findings = Matcher(**db).match(inventory->packages, inventory->os);
    auto requests =
        fix::build_fix_requests(findings, split_list(options.only), (*family)->package_type());

    // The image is unpacked first: the planner reads its apt sources from the rootfs.
    std::optional<fix::FixSession> session;
    std::unique_ptr<ImageSource> source;
    std::optional<fix::ImageTarget> target;
    auto temp = private_temp_dir();
    if (!temp) return fail(temp.error().message);
    std::filesystem::path work = *temp / fmt::format("fix-{}", ::getpid());
    struct Cleanup {
        std::filesystem::path path;
        ~Cleanup() {
            std::error_code ignored;
            std::filesystem::remove_all(path, ignored);
        }
    } cleanup{work};
    if (!requests.empty()) {
        OpenOptions open_options;
        open_options.insecure = options.insecure;
        open_options.username = options.username;
        open_options.password = options.password;
        auto opened = open_image(ref, open_options);
        if (!opened) return fail(opened.error().message);
        source = std::move(*opened);
        auto resolved = fix::resolve_target(ref, options.output, options.overwrite,
                                            source->metadata().repo_tags);
        if (!resolved) return fail(resolved.error().message);
        target = std::move(*resolved);
        if (target->kind == fix::ImageTarget::Kind::Registry) {
            target->registry_options.plain_http = options.insecure;
            target->registry_options.credentials =
                options.username.empty() ? find_registry_credentials(target->registry)
                                         : RegistryCredentials{options.username, options.password};
        }
        auto unpacked = fix::FixSession::unpack(*source, work);
        if (!unpacked) return fail(unpacked.error().message);
        session = std::move(*unpacked);
    }

    auto download_start = std::chrono::steady_clock::now();
    fix::FixPlan plan;
    if (!requests.empty()) {
        fix::FamilyFixOptions family_options;
        family_options.repos = options.repos;
        family_options.keyring = options.keyring;
        family_options.local_packages.assign(options.debs.begin(), options.debs.end());
        family_options.download_dir = work / "downloads";
        auto planned =
            (*family)->plan(session->rootfs(), requests, inventory->packages, family_options);
        if (!planned) return fail(planned.error().message);
        plan = std::move(*planned);
    }
    double download_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - download_start).count();

    nlohmann::json report = {{"image", ref}};
    nlohmann::json not_fixed = nlohmann::json::array();
    for (const auto& item : plan.unfixable)
        not_fixed.push_back({{"package", item.name},
                             {"version", item.installed_version},
                             {"findings", item.findings},
                             {"reason", item.reason}});
    report["not_fixed"] = not_fixed;

    std::optional<fix::FixOutcome> outcome;
    if (!plan.packages.empty()) {
        const fix::PackageFamily& installer = **family;
        auto applied = session->install_and_write(
            *source, plan, *target, {}, [&](const std::filesystem::path& rootfs, const fix::FixPlan& p) {
                return installer.install(rootfs, p, fix::InstallOptions{});
            });
        if (!applied) return fail(applied.error().message);
        outcome = std::move(*applied);
    }

    nlohmann::json upgraded = nlohmann::json::array();
    for (const auto& package : plan.packages)
        upgraded.push_back({{"package", package.name},
                            {"from", package.from_version},
                            {"to", package.to_version},
                            {"closes", package.closes}});
    report["upgraded"] = upgraded;
    nlohmann::json timings = {{"download_seconds", download_seconds}};
    if (outcome) {
        report["fixed_image"] = outcome->image.ref;
        report["manifest_digest"] = outcome->image.manifest_digest;
        report["config_digest"] = outcome->image.config_digest;
        report["install_mode"] =
            outcome->install.mode == fix::InstallMode::ChrootDpkg ? "chroot-dpkg" : "direct-unpack";
        report["layer"] = {{"digest", outcome->layer.digest},
                           {"diff_id", outcome->layer.diff_id},
                           {"size", outcome->layer.size},
                           {"changed_paths", outcome->changed_paths},
                           {"removed_paths", outcome->removed_paths}};
        timings["unpack_seconds"] = outcome->timings.unpack_seconds;
        timings["install_seconds"] = outcome->timings.install_seconds;
        timings["layer_seconds"] = outcome->timings.layer_seconds;
        timings["write_seconds"] = outcome->timings.write_seconds;
        if (!options.quiet)
            for (const auto& warning : outcome->install.warnings)
                std::fprintf(stderr, "moat fix: %s\n", warning.c_str());
    }
    report["timings"] = timings;

    if (options.format == "json") {
        std::string text =
            report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        std::fwrite(text.data(), 1, text.size(), stdout);
    } else {
        std::string text;
        if (requests.empty())
            text += "Nothing to fix: no OS package finding has a fixed version.\n";
        if (!plan.packages.empty()) {
            text += fmt::format("Upgraded ({}):\n", fix::install_mode_name(outcome->install.mode));
            for (const auto& package : plan.packages)
                text +=
                    fmt::format("  {:<28} {} -> {}{}\n", package.name,
                                package.from_version.empty() ? "(new)" : package.from_version,
                                package.to_version,
                                package.closes.empty() ? "" : "  closes " + join(package.closes));
        }
        if (!plan.unfixable.empty()) {
            text += "Not fixed:\n";
            for (const auto& item : plan.unfixable)
                text += fmt::format("  {:<28} {}: {} ({})\n", item.name, item.installed_version,
                                    item.reason, join(item.findings));
        }
        if (outcome) {
            text += fmt::format("Fixed image: {}\nManifest digest: {}\n", outcome->image.ref,
                                outcome->image.manifest_digest);
        } else if (!requests.empty()) {
            text += "No package could be upgraded; no image written.\n";
        }
        std::fwrite(text.data(), 1, text.size(), stdout);
        if (!options.quiet)
            std::fprintf(stderr,
                         "moat fix: timings: download %.2fs, unpack %.2fs, install %.2fs, layer "
                         "%.2fs, write %.2fs\n",
                         download_seconds, outcome ? outcome->timings.unpack_seconds : 0.0,
                         outcome ? outcome->timings.install_seconds : 0.0,
                         outcome ? outcome->timings.layer_seconds : 0.0,
                         outcome ? outcome->timings.write_seconds : 0.0);
    }
    if (!requests.empty() && plan.packages.empty()) return kExitFailure;
    return 0;
}

}  // namespace moat
