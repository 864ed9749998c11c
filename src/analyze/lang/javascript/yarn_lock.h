// Node packages locked by yarn: yarn.lock in the classic (v1) format and the berry (v2+) format.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// The packages a yarn.lock pins (type npm), each name@version once; no path or layer.
// Entries resolved from the workspace itself, patches or local paths (workspace:, patch:, file:,
// link:, portal:, exec:) are not packages; a workspace that declares its own version is.
// A classic entry fetched from a registry tarball is named after that tarball, so an alias
// ("alias@npm:real@^1") reports the package that was installed.
std::vector<Package> parse_yarn_lock(std::string_view text, std::vector<std::string>& warnings);

class YarnLockAnalyzer : public PackageAnalyzer {
public:
    std::string_view name() const override { return "yarn"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
