#include "analyze/lang/dotnet/nuget_lock.h"

#include <fmt/format.h>

#include <set>
#include <utility>

#include "analyze/lang/lock_text.h"

namespace moat {
namespace {

constexpr std::string_view kFileName = "packages.lock.json";
constexpr std::string_view kFileSuffix = "/packages.lock.json";
constexpr size_t kMaxFileBytes = 32u << 20;

// {"dependencies": {FRAMEWORK: {PACKAGE: {"type", "resolved", ...}}}}
bool keep_member(int depth, std::string_view key) {
    if (depth == 1) return key == "dependencies";
    if (depth == 2 || depth == 3) return true;
    return depth == 4 && (key == "type" || key == "resolved");
}

}  // namespace

std::vector<Package> parse_nuget_lock(std::string_view text, std::vector<std::string>& warnings) {
    const auto document = parse_bounded_json(text, keep_member, warnings);
    if (!document) return {};
    const auto frameworks =
        document->is_object() ? document->find("dependencies") : document->end();
    if (!document->is_object() || frameworks == document->end() || !frameworks->is_object()) {
        warnings.push_back("no \"dependencies\" object; not a packages.lock.json");
        return {};
    }
    std::vector<Package> packages;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& [framework, entries] : frameworks->items()) {
        if (!entries.is_object()) continue;
        for (const auto& [name, entry] : entries.items()) {
            const std::string type = json_string(entry, "type");
            if (type == "Project") continue;
            const std::string version = json_string(entry, "resolved");
            if (name.empty() || version.empty()) {
                warnings.push_back(
                    fmt::format("{} {}: no resolved version; skipped", framework, name));
                continue;
            }
            if (!seen.emplace(name, version).second) continue;
            Package package;
            package.type = "nuget";
            package.name = name;
            package.version = version;
            packages.push_back(std::move(package));
        }
    }
    return packages;
}

PathInterest NugetLockAnalyzer::interest() const {
    PathInterest interest;
    interest.exact = {std::string(kFileName)};
    interest.suffixes = {std::string(kFileSuffix)};
    interest.max_bytes = kMaxFileBytes;
    return interest;
}

std::vector<Package> NugetLockAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                                std::vector<std::string>& warnings) const {
    return read_lock_files(
        files,
        [](std::string_view path) { return path == kFileName || path.ends_with(kFileSuffix); },
        parse_nuget_lock, warnings);
}

}  // namespace moat
