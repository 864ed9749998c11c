#include "analyze/lang/dotnet/deps_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <utility>

#include "analyze/lang/lock_text.h"

namespace moat {
namespace {

constexpr std::string_view kFileSuffix = ".deps.json";
constexpr std::string_view kRuntimePackPrefix = "runtimepack.";
constexpr size_t kMaxFileBytes = 32u << 20;

// {"runtimeTarget": {"name"}, "targets": {TARGET: {LIB: {"runtime", ...}}},
//  "libraries": {LIB: {"type", ...}}}. Below the asset members (depth 5) nothing is needed: only
// whether they are there.
bool keep_member(int depth, std::string_view key) {
    if (depth == 1) return key == "runtimeTarget" || key == "targets" || key == "libraries";
    if (depth == 2 || depth == 3) return true;
    return depth == 4 && (key == "runtime" || key == "runtimeTargets" || key == "native");
}

bool equals_ignoring_case(std::string_view left, std::string_view right) {
    return std::equal(left.begin(), left.end(), right.begin(), right.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
    });
}

std::string_view without_runtime_pack_prefix(std::string_view name) {
    if (name.starts_with(kRuntimePackPrefix)) name.remove_prefix(kRuntimePackPrefix.size());
    return name;
}

// "name/version" with the runtime pack prefix dropped, as libraries and targets are matched.
std::string library_key(std::string_view id) {
    const auto slash = id.find('/');
    if (slash == std::string_view::npos) return std::string(without_runtime_pack_prefix(id));
    return fmt::format("{}/{}", without_runtime_pack_prefix(id.substr(0, slash)),
                       id.substr(slash + 1));
}

// For each library of the runtime target: whether it brings assets loaded at run time. Empty
// (and `found` false) when the document has no such target.
std::map<std::string, bool> runtime_libraries(const nlohmann::json& document, bool& found) {
    std::map<std::string, bool> libraries;
    found = false;
    const auto runtime_target = document.find("runtimeTarget");
    const auto targets = document.find("targets");
    if (runtime_target == document.end() || targets == document.end() || !targets->is_object())
        return libraries;
    const std::string name = json_string(*runtime_target, "name");
    const auto target = targets->find(name);
    if (target == targets->end() || !target->is_object()) return libraries;
    found = true;
    for (const auto& [id, entry] : target->items()) {
        bool loaded = false;
        if (entry.is_object())
            for (const char* assets : {"runtime", "runtimeTargets", "native"}) {
                const auto it = entry.find(assets);
                if (it != entry.end() && !it->is_null()) loaded = true;
            }
        libraries[library_key(id)] = loaded;
    }
    return libraries;
}

}  // namespace

std::vector<Package> parse_deps_json(std::string_view text, std::vector<std::string>& warnings) {
    const auto document = parse_bounded_json(text, keep_member, warnings);
    if (!document) return {};
    const auto libraries = document->is_object() ? document->find("libraries") : document->end();
    if (!document->is_object() || libraries == document->end() || !libraries->is_object()) {
        warnings.push_back("no \"libraries\" object; not a .deps.json");
        return {};
    }
    bool target_found = false;
    const auto loaded = runtime_libraries(*document, target_found);

    std::vector<Package> packages;
    std::set<std::string> seen;
    for (const auto& [id, library] : libraries->items()) {
        const std::string type = json_string(library, "type");
        if (!equals_ignoring_case(type, "package") && !equals_ignoring_case(type, "project") &&
            !equals_ignoring_case(type, "runtimepack"))
            continue;
        const auto slash = id.find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 == id.size()) {
            warnings.push_back(fmt::format("library \"{}\" is not name/version; skipped", id));
            continue;
        }
        const std::string key = library_key(id);
        if (target_found) {
            const auto it = loaded.find(key);
            if (it != loaded.end() && !it->second) continue;  // compile-time only
        }
        if (!seen.insert(key).second) continue;
        Package package;
        package.type = "nuget";
        package.name =
            std::string(without_runtime_pack_prefix(std::string_view(id).substr(0, slash)));
        package.version = id.substr(slash + 1);
        packages.push_back(std::move(package));
    }
    return packages;
}

PathInterest DepsJsonAnalyzer::interest() const {
    PathInterest interest;
    interest.suffixes = {std::string(kFileSuffix)};
    interest.max_bytes = kMaxFileBytes;
    return interest;
}

std::vector<Package> DepsJsonAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                               std::vector<std::string>& warnings) const {
    return read_lock_files(
        files, [](std::string_view path) { return path.ends_with(kFileSuffix); }, parse_deps_json,
        warnings);
}

}  // namespace moat
