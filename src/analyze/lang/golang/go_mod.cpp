#include "analyze/lang/golang/go_mod.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "analyze/lang/golang/go_semver.h"

namespace moat::golang {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// One line of go.mod split into tokens ("(", ")" and "=>" are tokens of their own; quoted
// strings are unquoted) and the text of its trailing // comment.
struct ModLine {
    std::vector<std::string> tokens;
    std::string_view comment;
};

ModLine tokenize(std::string_view line) {
    ModLine out;
    size_t at = 0;
    while (at < line.size()) {
        const char c = line[at];
        if (is_space(c)) {
            ++at;
        } else if (line.substr(at).starts_with("//")) {
            out.comment = line.substr(at + 2);
            break;
        } else if (c == '(' || c == ')') {
            out.tokens.emplace_back(1, c);
            ++at;
        } else if (line.substr(at).starts_with("=>")) {
            out.tokens.emplace_back("=>");
            at += 2;
        } else if (c == '"' || c == '`') {
            std::string text;
            size_t end = at + 1;
            for (; end < line.size() && line[end] != c; ++end) {
                if (c == '"' && line[end] == '\\' && end + 1 < line.size()) ++end;
                text += line[end];
            }
            out.tokens.push_back(std::move(text));
            at = std::min(end + 1, line.size());
        } else {
            size_t end = at;
            while (end < line.size() && !is_space(line[end]) && line[end] != '(' && line[end] != ')' &&
                   line[end] != '"' && line[end] != '`' && !line.substr(end).starts_with("//") &&
                   !line.substr(end).starts_with("=>"))
                ++end;
            out.tokens.emplace_back(line.substr(at, end - at));
            at = end;
        }
    }
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

// Go's rule: the comment is "indirect", or starts with "indirect;".
bool is_indirect(std::string_view comment) {
    comment = trim(comment);
    return comment == "indirect" || comment.starts_with("indirect;");
}

// Whether a `go` line version ("1.16", "1.22.0") is older than 1.17; without numbers, false.
bool older_than_go_1_17(std::string_view version) {
    unsigned long major = 0, minor = 0;
    size_t at = 0;
    auto number = [&](unsigned long& value) {
        const size_t start = at;
        while (at < version.size() && std::isdigit(static_cast<unsigned char>(version[at])) && at - start < 9)
            value = value * 10 + static_cast<unsigned long>(version[at++] - '0');
        return at > start;
    };
    if (!number(major) || at >= version.size() || version[at++] != '.' || !number(minor)) return false;
    return major < 1 || (major == 1 && minor < 17);
}

struct Requirement {
    std::string path, version;
    bool indirect = false;
};

struct Replacement {
    std::string old_path, old_version, new_path, new_version;
};

// What a go.mod says, before replacements are applied.
struct ModFile {
    std::string module_path;
    std::optional<std::string> go_version, toolchain;
    std::vector<Requirement> requirements;
    std::vector<Replacement> replacements;
};

void read_directive(ModFile& file, std::string_view verb, const std::vector<std::string>& args,
                    std::string_view comment, size_t line_number, std::vector<std::string>& warnings) {
    auto malformed = [&] {
        warnings.push_back(fmt::format("go.mod line {}: malformed {} directive, skipped", line_number, verb));
    };
    if (verb == "module") {
        if (args.size() != 1) return malformed();
        file.module_path = args[0];
    } else if (verb == "go") {
        if (args.size() != 1) return malformed();
        file.go_version = args[0];
    } else if (verb == "toolchain") {
        if (args.size() != 1) return malformed();
        file.toolchain = args[0];
    } else if (verb == "require") {
        if (args.size() != 2) return malformed();
        file.requirements.push_back({args[0], args[1], is_indirect(comment)});
    } else if (verb == "replace") {
        const auto arrow = std::find(args.begin(), args.end(), "=>");
        const auto before = static_cast<size_t>(arrow - args.begin());
        const size_t after = args.size() - before - (arrow == args.end() ? 0 : 1);
        if (arrow == args.end() || before < 1 || before > 2 || after < 1 || after > 2) return malformed();
        Replacement replacement;
        replacement.old_path = args[0];
        if (before == 2) replacement.old_version = args[1];
        replacement.new_path = args[before + 1];
        if (after == 2) replacement.new_version = args[before + 2];
        file.replacements.push_back(std::move(replacement));
    }
    // exclude, retract, godebug, ignore, tool: nothing to report.
}

ModFile read_mod_file(std::string_view text, std::vector<std::string>& warnings) {
    ModFile file;
    std::string block;  // the verb of the open "verb (" block, "" outside one
    size_t line_number = 0;
    while (!text.empty()) {
        const size_t end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        ++line_number;
        ModLine parsed = tokenize(line);
        auto& tokens = parsed.tokens;
        if (tokens.empty()) continue;
        if (!block.empty()) {
            if (tokens.size() == 1 && tokens[0] == ")") {
                block.clear();
                continue;
            }
            read_directive(file, block, tokens, parsed.comment, line_number, warnings);
            continue;
        }
        if (tokens.size() == 2 && tokens[1] == "(") {
            block = tokens[0];
            continue;
        }
        const std::string verb = tokens[0];
        tokens.erase(tokens.begin());
        read_directive(file, verb, tokens, parsed.comment, line_number, warnings);
    }
    if (!block.empty()) warnings.push_back(fmt::format("go.mod: {} block is not closed", block));
    return file;
}

Package go_package(std::string name, std::string version) {
    Package package;
    package.type = "golang";
    package.name = std::move(name);
    package.version = std::move(version);
    return package;
}

// "go1.22.5-custom" -> "1.22.5" (Go's toolchain naming: drop "go" and any "-suffix").
std::string toolchain_version(const ModFile& file) {
    if (file.toolchain && !file.toolchain->empty()) {
        std::string_view name = *file.toolchain;
        name = name.substr(0, name.find('-'));
        if (name.starts_with("go")) name.remove_prefix(2);
        return std::string(name);
    }
    return file.go_version.value_or("");
}

}  // namespace

std::vector<Package> parse_go_mod(std::string_view text, std::vector<std::string>& warnings,
                                  const GoModOptions& options) {
    const ModFile file = read_mod_file(text, warnings);
    // Before Go 1.17 the indirect requirements in go.mod are incomplete; they are not reported.
    const bool skip_indirect = !file.go_version || older_than_go_1_17(*file.go_version);

    // Module path -> requirement, in first-seen order (a later line for the same path wins).
    std::vector<Package> modules;
    std::unordered_map<std::string, size_t> index;
    std::vector<bool> removed;
    auto put = [&](const std::string& path, const std::string& version) {
        if (auto it = index.find(path); it != index.end() && !removed[it->second]) {
            modules[it->second].version = version;
            return;
        }
        index[path] = modules.size();
        modules.push_back(go_package(path, version));
        removed.push_back(false);
    };
    auto find = [&](const std::string& path) -> Package* {
        auto it = index.find(path);
        return it == index.end() || removed[it->second] ? nullptr : &modules[it->second];
    };
    for (const auto& requirement : file.requirements)
        if (!(skip_indirect && requirement.indirect)) put(requirement.path, requirement.version);

    if (options.apply_replace) {
        for (const auto& replacement : file.replacements) {
            Package* old = find(replacement.old_path);
            // A replacement pinned to another version than the one required does not apply.
            if (!old || (!replacement.old_version.empty() && old->version != replacement.old_version)) continue;
            removed[index[replacement.old_path]] = true;
            // Without a version the replacement is a local directory: no module to report.
            if (!replacement.new_version.empty()) put(replacement.new_path, replacement.new_version);
        }
    }

    std::vector<Package> packages;
    if (!file.module_path.empty()) packages.push_back(go_package(file.module_path, ""));
    if (options.stdlib_from_toolchain)
        if (auto version = toolchain_version(file); !version.empty())
            packages.push_back(go_package("stdlib", fmt::format("v{}", version)));
    for (size_t i = 0; i < modules.size(); ++i)
        if (!removed[i]) packages.push_back(std::move(modules[i]));
    return packages;
}

std::vector<Package> parse_go_sum(std::string_view text, std::vector<std::string>& warnings) {
    std::map<std::string, std::string, std::less<>> highest;
    size_t line_number = 0;
    while (!text.empty()) {
        const size_t end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        ++line_number;
        // "<module> <version>[/go.mod] <hash>"
        std::vector<std::string_view> fields;
        for (size_t at = 0; at < line.size() && fields.size() < 3;) {
            while (at < line.size() && is_space(line[at])) ++at;
            size_t stop = at;
            while (stop < line.size() && !is_space(line[stop])) ++stop;
            if (stop > at) fields.push_back(line.substr(at, stop - at));
            at = stop;
        }
        if (fields.empty()) continue;
        if (fields.size() < 2) {
            warnings.push_back(fmt::format("go.sum line {}: no version, skipped", line_number));
            continue;
        }
        std::string_view version = fields[1];
        if (version.ends_with("/go.mod")) version.remove_suffix(std::string_view("/go.mod").size());
        auto [it, inserted] = highest.try_emplace(std::string(fields[0]), version);
        if (!inserted && compare_semver(version, it->second) > 0) it->second = std::string(version);
    }
    std::vector<Package> packages;
    packages.reserve(highest.size());
    for (auto& [name, version] : highest) packages.push_back(go_package(name, version));
    return packages;
}

}  // namespace moat::golang

namespace moat {
namespace {

constexpr std::string_view kGoMod = "go.mod";
constexpr std::string_view kGoSum = "go.sum";

bool has_base_name(std::string_view path, std::string_view name) {
    return path == name || (path.ends_with(name) && path[path.size() - name.size() - 1] == '/');
}

}  // namespace

PathInterest GoModAnalyzer::interest() const {
    PathInterest interest;
    interest.exact = {std::string(kGoMod), std::string(kGoSum)};
    interest.suffixes = {fmt::format("/{}", kGoMod), fmt::format("/{}", kGoSum)};
    // Real go.sum files of large projects stay under a few hundred KiB.
    interest.max_bytes = 16ull << 20;
    return interest;
}

std::vector<Package> GoModAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                            std::vector<std::string>& warnings) const {
    const auto found = files.files_matching(
        [](std::string_view path) { return has_base_name(path, kGoMod) || has_base_name(path, kGoSum); });
    std::set<std::string_view> mod_directories;
    for (const auto& file : found)
        if (has_base_name(file.path, kGoMod))
            mod_directories.insert(std::string_view(file.path).substr(0, file.path.size() - kGoMod.size()));

    std::vector<Package> packages;
    for (const auto& file : found) {
        std::vector<std::string> notes;
        std::vector<Package> parsed;
        if (has_base_name(file.path, kGoMod)) {
            parsed = golang::parse_go_mod(file.bytes, notes);
        } else {
            // go.mod beside it already names the requirements, with replacements applied.
            if (mod_directories.contains(std::string_view(file.path).substr(0, file.path.size() - kGoSum.size())))
                continue;
            parsed = golang::parse_go_sum(file.bytes, notes);
        }
        for (auto& note : notes) warnings.push_back(fmt::format("{}: {}", file.path, note));
        for (auto& package : parsed) {
            package.path = file.path;
            package.layer = file.layer;
            packages.push_back(std::move(package));
        }
    }
    return packages;
}

}  // namespace moat
