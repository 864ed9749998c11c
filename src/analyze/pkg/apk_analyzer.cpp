#include "analyze/pkg/apk_analyzer.h"

#include <fmt/format.h>

#include <utility>

namespace moat {
namespace {

constexpr std::string_view kInstalledPath = "lib/apk/db/installed";

// One stanza being read: scalar fields keep their first value, F:/R: lines build file paths.
struct ApkStanza {
    size_t first_line = 0;
    bool seen_any_line = false;
    std::string_view name, version, arch, origin, license, maintainer;
    std::string_view directory;  // the last F: line; R: names are relative to it
    std::vector<std::string> files;
};

constexpr std::pair<char, std::string_view ApkStanza::*> kScalarFields[] = {
    {'P', &ApkStanza::name},   {'V', &ApkStanza::version}, {'A', &ApkStanza::arch},
    {'o', &ApkStanza::origin}, {'L', &ApkStanza::license}, {'m', &ApkStanza::maintainer},
};

void read_line(ApkStanza& stanza, char key, std::string_view value) {
    if (key == 'F') {
        stanza.directory = value;
    } else if (key == 'R') {
        if (value.empty()) return;
        stanza.files.push_back(stanza.directory.empty()
                                   ? std::string(value)
                                   : fmt::format("{}/{}", stanza.directory, value));
    } else {
        for (const auto& [field_key, field] : kScalarFields)
            if (key == field_key && (stanza.*field).empty()) stanza.*field = value;
    }
}

void add_package(ApkStanza& stanza, std::vector<Package>& out, std::vector<std::string>& warnings) {
    if (stanza.name.empty()) {
        warnings.push_back(
            fmt::format("line {}: stanza without a P: name, skipped", stanza.first_line));
        return;
    }
    if (stanza.version.empty()) {
        warnings.push_back(fmt::format("line {}: package {} has no V: version, skipped",
                                       stanza.first_line, stanza.name));
        return;
    }
    Package package;
    package.type = "apk";
    package.name = std::string(stanza.name);
    package.version = std::string(stanza.version);
    package.arch = std::string(stanza.arch);
    package.source_name = std::string(stanza.origin.empty() ? stanza.name : stanza.origin);
    package.source_version = package.version;
    if (!stanza.license.empty()) package.licenses.emplace_back(stanza.license);
    package.maintainer = std::string(stanza.maintainer);
    package.installed_files = std::move(stanza.files);
    out.push_back(std::move(package));
}

}  // namespace

std::vector<Package> parse_apk_installed(std::string_view text,
                                         std::vector<std::string>& warnings) {
    std::vector<Package> packages;
    ApkStanza stanza;
    size_t line_number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) {  // stanza separator
            if (stanza.seen_any_line) add_package(stanza, packages, warnings);
            stanza = ApkStanza{};
            continue;
        }
        if (!stanza.seen_any_line) stanza.first_line = line_number;
        stanza.seen_any_line = true;
        if (line.size() >= 2 && line[1] == ':') read_line(stanza, line[0], line.substr(2));
    }
    if (stanza.seen_any_line) add_package(stanza, packages, warnings);
    return packages;
}

PathInterest ApkAnalyzer::interest() const {
    PathInterest interest;
    interest.exact = {std::string(kInstalledPath)};
    return interest;
}

std::vector<Package> ApkAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                          std::vector<std::string>& warnings) const {
    const auto database = files.read(kInstalledPath);
    if (!database) return {};
    std::vector<std::string> notes;
    auto packages = parse_apk_installed(database->bytes, notes);
    for (auto& note : notes) warnings.push_back(fmt::format("{}: {}", database->path, note));
    for (auto& package : packages) {
        package.path = database->path;
        package.layer = database->layer;
    }
    return packages;
}

}  // namespace moat
