// Ruby (RubyGems): installed gems, from the specifications/*.gemspec files RubyGems writes when
// it installs a gem (Ruby source, read here as data: never evaluated).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// The gem an installed gemspec describes: the literal values assigned to name, version,
// license(s) and platform inside its `Gem::Specification.new do |s|` block, or, when those are
// not literals, the "# stub: name version platform" line RubyGems writes first. nullopt, with a
// warning, when neither gives a name and a version. The package carries no path or layer.
std::optional<Package> parse_gemspec(std::string_view text, std::vector<std::string>& warnings);

class GemspecAnalyzer : public PackageAnalyzer {
  public:
    std::string_view name() const override { return "gemspec"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

// Whether `path` is an installed gem specification: a *.gemspec below a "specifications"
// directory (specifications/default/ holds the gems bundled with Ruby).
bool is_installed_gemspec_path(std::string_view path);

}  // namespace moat
