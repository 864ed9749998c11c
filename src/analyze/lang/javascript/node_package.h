// Installed npm packages: the package.json of every package inside a node_modules directory.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace simdjson::dom {
class parser;
}

namespace moat {

// Whether `path` is the manifest of an installed package: ".../node_modules/<name>/package.json"
// or ".../node_modules/@scope/<name>/package.json". package.json files deeper inside a package
// (dist/esm/package.json, test fixtures) and the project's own package.json are not.
bool is_installed_package_json(std::string_view path);

// The package a package.json describes (type npm, name, version, licenses), or nothing with a
// warning when it is not a JSON object or lacks a string name or version. `parser` may be
// reused across calls (it keeps its buffers).
std::optional<Package> parse_node_package_json(simdjson::dom::parser& parser, std::string_view text,
                                               std::vector<std::string>& warnings);
std::optional<Package> parse_node_package_json(std::string_view text,
                                               std::vector<std::string>& warnings);

// Reports every installed package; npm lock entries that are installed are left to this
// analyzer (see NpmLockAnalyzer), so its interest also feeds the lock analyzer's lookups.
class NodePackageAnalyzer : public PackageAnalyzer {
public:
    // package.json files are small; old npm versions copied the README into them, so allow that.
    static constexpr size_t kMaxBytes = 4ull << 20;
    std::string_view name() const override { return "node-pkg"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
