// Go module files: go.mod (what a module requires) and go.sum (checksums of every module
// version the build saw).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat::golang {

struct GoModOptions {
    // Apply `replace` directives (a local-path replacement removes the module).
    bool apply_replace = true;
    // Report the minimum toolchain (the `toolchain` line, else the `go` line) as "stdlib".
    // Off by default: it is a floor, not the Go that built anything.
    bool stdlib_from_toolchain = false;
};

// The main module (no version) and every required module. Before Go 1.17 (or without a `go`
// line) go.mod does not list the full graph, so `// indirect` requirements are left out there.
std::vector<Package> parse_go_mod(std::string_view text, std::vector<std::string>& warnings,
                                  const GoModOptions& options = {});

// One package per module at the highest semantic version go.sum names for it (a "/go.mod"
// line counts too), sorted by name.
std::vector<Package> parse_go_sum(std::string_view text, std::vector<std::string>& warnings);

}  // namespace moat::golang

namespace moat {

// go.mod files, and go.sum files that have no go.mod beside them (go.mod is the better source).
class GoModAnalyzer : public PackageAnalyzer {
public:
    std::string_view name() const override { return "gomod"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
