// .NET: the libraries a built application loads, from its <app>.deps.json (written by the SDK
// beside the application's dlls).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// Libraries of a .deps.json: "libraries" entries "name/version" of type package, project (the
// application and the projects it references) or runtimepack (the runtime of a self-contained
// app, its "runtimepack." name prefix dropped). When the target named by runtimeTarget is
// present, a library that target lists without runtime, runtimeTargets or native assets is left
// out: it is not loaded at run time. Packages carry no path or layer.
std::vector<Package> parse_deps_json(std::string_view text, std::vector<std::string>& warnings);

class DepsJsonAnalyzer : public PackageAnalyzer {
  public:
    std::string_view name() const override { return "dotnet-deps"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
