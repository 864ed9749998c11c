// .NET Framework (NuGet): the packages a project's packages.config lists.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// Packages of a packages.config: each <package id="..." version="..."/> element;
// developmentDependency="true" marks a development-only one (dev). Comments, CDATA and
// processing instructions are skipped; entities in attribute values are decoded. A name@version
// listed twice is reported once. Packages carry no path or layer.
std::vector<Package> parse_packages_config(std::string_view text,
                                           std::vector<std::string>& warnings);

class PackagesConfigAnalyzer : public PackageAnalyzer {
  public:
    std::string_view name() const override { return "nuget-packages-config"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
