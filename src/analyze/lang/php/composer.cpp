#include "analyze/lang/php/composer.h"

#include <fmt/format.h>

#include <set>
#include <utility>

#include "analyze/lang/lock_text.h"

namespace moat {
namespace {

constexpr std::string_view kLockName = "composer.lock";
constexpr std::string_view kLockSuffix = "/composer.lock";
constexpr std::string_view kInstalledPath = "vendor/composer/installed.json";
constexpr std::string_view kInstalledSuffix = "/vendor/composer/installed.json";
constexpr size_t kMaxFileBytes = 32u << 20;

bool is_package_field(std::string_view key) {
    return key == "name" || key == "version" || key == "license";
}

// composer.lock: {"packages": [{name, version, license}], "packages-dev": [...]}.
bool keep_lock_member(int depth, std::string_view key) {
    if (depth == 1) return key == "packages" || key == "packages-dev";
    return depth == 3 && is_package_field(key);
}

// installed.json: Composer 1 [{...}] (fields at depth 2) or Composer 2 {"packages": [{...}]}
// (fields at depth 3).
bool keep_installed_member(int depth, std::string_view key) {
    if (depth == 1) return key == "packages" || key == "dev-package-names";
    return (depth == 2 || depth == 3) && is_package_field(key);
}

// Splits a license string the way Composer users write alternatives: "MIT or BSD-2-Clause",
// "(LGPL-2.1-only or GPL-3.0-or-later)", "MIT, Apache-2.0".
std::vector<std::string> split_license_string(std::string_view text) {
    std::vector<std::string> licenses;
    auto add = [&licenses](std::string_view part) {
        while (!part.empty() && (part.front() == ' ' || part.front() == '(')) part.remove_prefix(1);
        while (!part.empty() && (part.back() == ' ' || part.back() == ')')) part.remove_suffix(1);
        if (!part.empty()) licenses.emplace_back(part);
    };
    size_t start = 0;
    for (size_t at = 0; at < text.size(); ++at) {
        size_t separator = 0;
        if (text[at] == ',') {
            separator = 1;
        } else if (text[at] == ' ') {
            for (const std::string_view word : {" or ", " OR ", " and ", " AND "})
                if (text.substr(at).starts_with(word)) separator = word.size();
        }
        if (separator == 0) continue;
        add(text.substr(start, at - start));
        at += separator - 1;
        start = at + 1;
    }
    add(text.substr(start));
    return licenses;
}

std::vector<std::string> licenses_of(const nlohmann::json& entry) {
    const auto it = entry.find("license");
    if (it == entry.end()) return {};
    if (it->is_string()) return split_license_string(it->get_ref<const std::string&>());
    std::vector<std::string> licenses;
    if (it->is_array())
        for (const auto& item : *it)
            if (item.is_string() && !item.get_ref<const std::string&>().empty())
                licenses.push_back(item.get<std::string>());
    return licenses;
}

// Appends the packages of one list; a name already seen is skipped (the first list wins).
void read_package_list(const nlohmann::json& list, std::string_view list_name, bool dev,
                       std::set<std::string>& seen_names, std::vector<Package>& out,
                       std::vector<std::string>& warnings) {
    if (list.is_null()) return;
    if (!list.is_array()) {
        warnings.push_back(fmt::format("\"{}\" is not a list; skipped", list_name));
        return;
    }
    size_t index = 0;
    for (const auto& entry : list) {
        ++index;
        const std::string name = json_string(entry, "name");
        const std::string version = json_string(entry, "version");
        if (name.empty() || version.empty()) {
            warnings.push_back(
                fmt::format("{} entry {} has no name or no version; skipped", list_name, index));
            continue;
        }
        if (!seen_names.insert(name).second) continue;
        Package package;
        package.type = "composer";
        package.name = name;
        package.version = version;
        package.licenses = licenses_of(entry);
        package.dev = dev;
        out.push_back(std::move(package));
    }
}

const nlohmann::json& member_or_null(const nlohmann::json& object, std::string_view key) {
    static const nlohmann::json kNull;
    if (!object.is_object()) return kNull;
    const auto it = object.find(key);
    return it == object.end() ? kNull : *it;
}

}  // namespace

std::vector<Package> parse_composer_lock(std::string_view text,
                                         std::vector<std::string>& warnings) {
    const auto document = parse_bounded_json(text, keep_lock_member, warnings);
    if (!document) return {};
    if (!document->is_object()) {
        warnings.push_back("not a composer.lock object; skipped");
        return {};
    }
    std::vector<Package> packages;
    std::set<std::string> seen_names;
    read_package_list(member_or_null(*document, "packages"), "packages", false, seen_names,
                      packages, warnings);
    read_package_list(member_or_null(*document, "packages-dev"), "packages-dev", true, seen_names,
                      packages, warnings);
    return packages;
}

std::vector<Package> parse_composer_installed(std::string_view text,
                                              std::vector<std::string>& warnings) {
    const auto document = parse_bounded_json(text, keep_installed_member, warnings);
    if (!document) return {};
    std::vector<Package> packages;
    std::set<std::string> seen_names;
    if (document->is_array()) {  // Composer 1
        read_package_list(*document, "packages", false, seen_names, packages, warnings);
        return packages;
    }
    if (!document->is_object()) {
        warnings.push_back("not an installed.json array or object; skipped");
        return {};
    }
    read_package_list(member_or_null(*document, "packages"), "packages", false, seen_names,
                      packages, warnings);
    std::set<std::string> dev_names;
    for (const auto& name : member_or_null(*document, "dev-package-names"))
        if (name.is_string()) dev_names.insert(name.get<std::string>());
    for (auto& package : packages) package.dev = dev_names.contains(package.name);
    return packages;
}

PathInterest ComposerLockAnalyzer::interest() const {
    PathInterest interest;
    interest.exact = {std::string(kLockName)};
    interest.suffixes = {std::string(kLockSuffix)};
    interest.max_bytes = kMaxFileBytes;
    return interest;
}

std::vector<Package> ComposerLockAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                                   std::vector<std::string>& warnings) const {
    return read_lock_files(
        files,
        [](std::string_view path) { return path == kLockName || path.ends_with(kLockSuffix); },
        parse_composer_lock, warnings);
}

PathInterest ComposerInstalledAnalyzer::interest() const {
    PathInterest interest;
    interest.exact = {std::string(kInstalledPath)};
    interest.suffixes = {std::string(kInstalledSuffix)};
    interest.max_bytes = kMaxFileBytes;
    return interest;
}

std::vector<Package> ComposerInstalledAnalyzer::analyze(const FileView& files,
                                                        const AnalysisContext&,
                                                        std::vector<std::string>& warnings) const {
    return read_lock_files(
        files,
        [](std::string_view path) {
            return path == kInstalledPath || path.ends_with(kInstalledSuffix);
        },
        parse_composer_installed, warnings);
}

}  // namespace moat
