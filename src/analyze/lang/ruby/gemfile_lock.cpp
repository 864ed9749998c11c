#include "analyze/lang/ruby/gemfile_lock.h"

#include <fmt/format.h>

#include <map>
#include <utility>

#include "analyze/lang/lock_text.h"

namespace moat {
namespace {

constexpr std::string_view kFileName = "Gemfile.lock";
constexpr std::string_view kFileSuffix = "/Gemfile.lock";
constexpr size_t kMaxFileBytes = 16u << 20;

// Sections whose "specs:" list gems: rubygems sources, git checkouts, local paths, plugins.
bool is_source_section(std::string_view header) {
    return header == "GEM" || header == "GIT" || header == "PATH" || header == "PLUGIN SOURCE";
}

size_t leading_spaces(std::string_view line) {
    const auto first = line.find_first_not_of(' ');
    return first == std::string_view::npos ? line.size() : first;
}

bool has_space(std::string_view text) {
    return text.find_first_of(" \t") != std::string_view::npos;
}

struct GemEntry {
    std::string_view name, version, platform;
};

// "name (version[-platform])", as Bundler writes a spec; nullopt-like empty name when not one.
GemEntry parse_spec_line(std::string_view entry) {
    const auto open = entry.find(" (");
    if (open == std::string_view::npos || !entry.ends_with(')')) return {};
    GemEntry gem;
    gem.name = entry.substr(0, open);
    auto version = entry.substr(open + 2, entry.size() - open - 3);
    if (const auto dash = version.find('-'); dash != std::string_view::npos) {
        gem.platform = version.substr(dash + 1);
        version = version.substr(0, dash);
    }
    gem.version = version;
    if (gem.name.empty() || has_space(gem.name) || gem.version.empty() || has_space(gem.version) ||
        has_space(gem.platform))
        return {};
    return gem;
}

}  // namespace

std::vector<Package> parse_gemfile_lock(std::string_view text, std::vector<std::string>& warnings) {
    std::vector<Package> packages;
    // (name, version) -> index in packages, to report a gem listed for several platforms once.
    std::map<std::pair<std::string_view, std::string_view>, size_t> seen;
    bool in_source = false, in_specs = false;
    size_t line_number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;

        const size_t indent = leading_spaces(line);
        if (indent == 0) {  // a section header
            in_source = is_source_section(line);
            in_specs = false;
            continue;
        }
        if (!in_source) continue;
        if (indent == 2) {
            in_specs = line.substr(2) == "specs:";
            continue;
        }
        if (indent != 4 || !in_specs) continue;  // 6 spaces: a dependency of the gem above

        const GemEntry gem = parse_spec_line(line.substr(4));
        if (gem.name.empty()) {
            warnings.push_back(
                fmt::format("line {}: spec entry is not \"name (version)\"; skipped", line_number));
            continue;
        }
        const auto [it, inserted] = seen.emplace(std::pair{gem.name, gem.version}, packages.size());
        if (!inserted) {
            // The same gem for another platform: keep one package, with a platform only when
            // every entry agrees on it.
            Package& earlier = packages[it->second];
            if (earlier.arch != gem.platform) earlier.arch.clear();
            continue;
        }
        Package package;
        package.type = "gem";
        package.name = std::string(gem.name);
        package.version = std::string(gem.version);
        package.arch = std::string(gem.platform);
        packages.push_back(std::move(package));
    }
    return packages;
}

PathInterest GemfileLockAnalyzer::interest() const {
    PathInterest interest;
    interest.exact = {std::string(kFileName)};
    interest.suffixes = {std::string(kFileSuffix)};
    interest.max_bytes = kMaxFileBytes;
    return interest;
}

std::vector<Package> GemfileLockAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                                  std::vector<std::string>& warnings) const {
    return read_lock_files(
        files,
        [](std::string_view path) { return path == kFileName || path.ends_with(kFileSuffix); },
        parse_gemfile_lock, warnings);
}

}  // namespace moat
