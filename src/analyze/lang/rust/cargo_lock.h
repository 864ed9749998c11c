// Rust: Cargo.lock, the lock file cargo writes beside a workspace (format versions 1 to 4).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// Every [[package]] entry with a name and a version, as cargo packages. Registry, git and path
// (no `source`) entries alike, the workspace's own crates included, as Trivy and Syft report them.
// Packages carry no path or layer. A file that is not TOML is a warning and gives nothing.
std::vector<Package> parse_cargo_lock(std::string_view text, std::vector<std::string>& warnings);

class CargoLockAnalyzer : public PackageAnalyzer {
public:
    std::string_view name() const override { return "cargo-lock"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
