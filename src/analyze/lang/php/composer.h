// PHP (Composer): the packages a composer.lock pins, and the packages Composer installed into a
// vendor directory (vendor/composer/installed.json).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// Packages of a composer.lock: "packages" and "packages-dev" (dev = true; a package in both
// counts as a production one). Versions as stored ("v1.27.0" keeps its "v"); "license" as a
// list, or a string split at " or ", " and " and commas. Packages carry no path or layer.
std::vector<Package> parse_composer_lock(std::string_view text, std::vector<std::string>& warnings);

// Packages of a vendor/composer/installed.json: Composer 1 writes a top-level array of
// packages, Composer 2 an object whose "packages" holds them and whose "dev-package-names"
// says which are development-only.
std::vector<Package> parse_composer_installed(std::string_view text,
                                              std::vector<std::string>& warnings);

class ComposerLockAnalyzer : public PackageAnalyzer {
  public:
    std::string_view name() const override { return "composer-lock"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

class ComposerInstalledAnalyzer : public PackageAnalyzer {
  public:
    std::string_view name() const override { return "composer-installed"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
