// npm lock files: package-lock.json (and npm-shrinkwrap.json, the same format), lockfileVersion
// 1 (nested "dependencies") and 2/3 ("packages" keyed by install path).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// Told where a lock entry is installed, relative to the lock file's directory
// ("node_modules/a/node_modules/@s/b"); true when that installed copy is reported elsewhere.
using InstalledPackageCheck = std::function<bool(std::string_view install_path)>;

// The packages a lock file pins, each (name, version) once: dev only when every occurrence is
// dev. The root project ("" in v2/v3, the top-level name in v1) is not a dependency and is not
// reported. Workspace members (link entries) are reported with their own version, even when
// they have none; any other entry without a string version is skipped with a warning. A
// (name, version) whose first copy `installed` claims is left out (the installed package stands
// for it). At most 100000 packages per lock (a warning counts the rest). Packages carry no path
// or layer.
std::vector<Package> parse_package_lock(std::string_view text, std::vector<std::string>& warnings,
                                        const InstalledPackageCheck& installed = {});

// Lock files outside node_modules (a lock inside node_modules, such as npm's hidden
// node_modules/.package-lock.json, describes what the installed package.json files already
// show). Entries whose installed package.json is in the image are left to NodePackageAnalyzer,
// which owns the capture of those package.json files: installed copies are authoritative.
class NpmLockAnalyzer : public PackageAnalyzer {
public:
    // Real locks of large monorepos reach tens of MiB; parsing costs a few times the size.
    static constexpr size_t kMaxBytes = 64ull << 20;
    std::string_view name() const override { return "npm-lock"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
