#include "analyze/lang/javascript/node_package.h"

#include <fmt/format.h>

#include "analyze/lang/javascript/npm_json.h"

namespace moat {
namespace {

constexpr std::string_view kManifest = "package.json";
constexpr std::string_view kModulesDir = "node_modules";

// The directory part of `path` before its last '/', and the rest ("" and `path` at the root).
std::pair<std::string_view, std::string_view> split_last(std::string_view path) {
    const auto slash = path.rfind('/');
    if (slash == std::string_view::npos) return {{}, path};
    return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

bool is_installed_package_json(std::string_view path) {
    auto [package_dir, file] = split_last(path);
    if (file != kManifest || package_dir.empty()) return false;
    auto [parent, name] = split_last(package_dir);
    if (name.empty() || name.front() == '.' || name.front() == '@') return false;
    if (parent.empty()) return false;
    auto [grandparent, parent_name] = split_last(parent);
    if (parent_name == kModulesDir) return true;
    // Scoped: node_modules/@scope/name/package.json.
    if (parent_name.size() < 2 || parent_name.front() != '@') return false;
    return split_last(grandparent).second == kModulesDir;
}

std::optional<Package> parse_node_package_json(std::string_view text,
                                               std::vector<std::string>& warnings) {
    simdjson::dom::parser parser;
    return parse_node_package_json(parser, text, warnings);
}

std::optional<Package> parse_node_package_json(simdjson::dom::parser& parser, std::string_view text,
                                               std::vector<std::string>& warnings) {
    auto root = npm::parse_json(parser, text, warnings);
    if (!root) return std::nullopt;
    simdjson::dom::object manifest;
    if (root->get(manifest) != simdjson::SUCCESS) {
        warnings.emplace_back("package.json is not a JSON object, skipped");
        return std::nullopt;
    }
    const auto name = npm::string_field(manifest, "name");
    const auto version = npm::string_field(manifest, "version");
    if (!name || !npm::is_package_name(*name)) {
        warnings.emplace_back("package.json has no valid string \"name\", skipped");
        return std::nullopt;
    }
    if (!version || version->empty()) {
        warnings.push_back(
            fmt::format("package {} has no string \"version\", skipped", *name));
        return std::nullopt;
    }
    Package package;
    package.type = "npm";
    package.name = std::string(*name);
    package.version = std::string(*version);
    simdjson::dom::element license;
    if (manifest.at_key("license").get(license) == simdjson::SUCCESS)
        package.licenses = npm::licenses_of(license);
    // Before SPDX expressions, npm documented "licenses": [{"type", "url"}, ...].
    if (package.licenses.empty() && manifest.at_key("licenses").get(license) == simdjson::SUCCESS)
        package.licenses = npm::licenses_of(license);
    return package;
}

PathInterest NodePackageAnalyzer::interest() const {
    PathInterest interest;
    // Suffix matching cannot say "inside node_modules"; analyze() filters.
    interest.suffixes = {"/package.json"};
    interest.max_bytes = kMaxBytes;
    return interest;
}

std::vector<Package> NodePackageAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                                  std::vector<std::string>& warnings) const {
    std::vector<Package> packages;
    simdjson::dom::parser parser;
    for (const auto& file : files.files_matching(is_installed_package_json)) {
        std::vector<std::string> notes;
        auto package = parse_node_package_json(parser, file.bytes, notes);
        for (auto& note : notes) warnings.push_back(fmt::format("{}: {}", file.path, note));
        if (!package) continue;
        package->path = file.path;
        package->layer = file.layer;
        packages.push_back(std::move(*package));
    }
    return packages;
}

}  // namespace moat
