// .NET (NuGet): the packages a project's packages.lock.json pins.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// Packages of a packages.lock.json: every entry of every target framework under
// "dependencies", at its "resolved" version; entries of type "Project" (other projects of the
// solution) are not packages. A name@version listed under several frameworks is reported once.
// Packages carry no path or layer.
std::vector<Package> parse_nuget_lock(std::string_view text, std::vector<std::string>& warnings);

class NugetLockAnalyzer : public PackageAnalyzer {
  public:
    std::string_view name() const override { return "nuget-lock"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
