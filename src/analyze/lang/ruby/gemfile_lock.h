// Ruby (Bundler): the gems a Gemfile.lock pins.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// Gems of a Gemfile.lock: the 4-space "name (version[-platform])" entries under "specs:" of its
// GEM, GIT, PATH and PLUGIN SOURCE sections (6-space lines are their dependencies; other
// sections are ignored). As Bundler reads it, the version ends at the first '-'; the platform
// after it goes to `arch`. A gem listed for several platforms is reported once. Packages carry
// no path or layer.
std::vector<Package> parse_gemfile_lock(std::string_view text, std::vector<std::string>& warnings);

class GemfileLockAnalyzer : public PackageAnalyzer {
  public:
    std::string_view name() const override { return "bundler"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
