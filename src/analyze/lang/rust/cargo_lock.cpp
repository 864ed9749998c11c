#include "analyze/lang/rust/cargo_lock.h"

#include <fmt/format.h>

#include <set>
#include <tuple>

// Errors as values: toml::parse returns a parse_result instead of throwing.
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

namespace moat {
namespace {

constexpr std::string_view kLockName = "Cargo.lock";
// Real lock files of large workspaces stay under a few MiB.
constexpr size_t kMaxLockBytes = 32u << 20;
// toml++ bounds inline nesting, but a dotted key or table header makes one nested table per
// component, and destroying the tree recurses once per level: refuse deep keys before parsing.
constexpr size_t kMaxKeyDepth = 64;

// The deepest dotted key on any line, counting dots outside quoted strings: an upper bound
// on the table nesting a line can create.
size_t deepest_dotted_key(std::string_view text) {
    size_t deepest = 0, dots = 0;
    char quote = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            deepest = std::max(deepest, dots);
            dots = 0;
            quote = 0;  // multi-line strings only contain dots, never create tables
        } else if (quote) {
            if (c == '\\' && quote == '"') ++i;
            else if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '#') {
            const auto end = text.find('\n', i);
            if (end == std::string_view::npos) break;
            i = end - 1;
        } else if (c == '.') {
            ++dots;
        }
    }
    return std::max(deepest, dots);
}

}  // namespace

std::vector<Package> parse_cargo_lock(std::string_view text, std::vector<std::string>& warnings) {
    if (const size_t depth = deepest_dotted_key(text); depth > kMaxKeyDepth) {
        warnings.push_back(fmt::format("a key nests {} levels deep (limit {}); not read", depth, kMaxKeyDepth));
        return {};
    }
    toml::parse_result parsed = toml::parse(text);
    if (!parsed) {
        const auto& error = parsed.error();
        warnings.push_back(fmt::format("not TOML: {} (line {})", error.description(), error.source().begin.line));
        return {};
    }
    const toml::array* entries = parsed.table()["package"].as_array();
    if (!entries) return {};

    std::vector<Package> packages;
    std::set<std::tuple<std::string, std::string, std::string>> seen;  // name, version, source
    size_t index = 0;
    for (const toml::node& node : *entries) {
        ++index;
        const toml::table* entry = node.as_table();
        if (!entry) continue;
        const auto name = (*entry)["name"].value<std::string>();
        const auto version = (*entry)["version"].value<std::string>();
        if (!name || name->empty() || !version || version->empty()) {
            warnings.push_back(fmt::format("[[package]] #{} has no name or version; skipped", index));
            continue;
        }
        // The same crate from two sources (crates.io and a git fork) is two packages.
        const auto source = (*entry)["source"].value<std::string>().value_or("");
        if (!seen.emplace(*name, *version, source).second) continue;
        Package package;
        package.type = "cargo";
        package.name = *name;
        package.version = *version;
        packages.push_back(std::move(package));
    }
    return packages;
}

PathInterest CargoLockAnalyzer::interest() const {
    PathInterest interest;
    interest.exact = {std::string(kLockName)};
    interest.suffixes = {"/" + std::string(kLockName)};
    interest.max_bytes = kMaxLockBytes;
    return interest;
}

std::vector<Package> CargoLockAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                                std::vector<std::string>& warnings) const {
    std::vector<Package> packages;
    const auto locks = files.files_matching([](std::string_view path) {
        return path == kLockName || path.ends_with("/" + std::string(kLockName));
    });
    for (const auto& lock : locks) {
        std::vector<std::string> notes;
        auto found = parse_cargo_lock(lock.bytes, notes);
        for (auto& note : notes) warnings.push_back(fmt::format("{}: {}", lock.path, note));
        for (auto& package : found) {
            package.path = lock.path;
            package.layer = lock.layer;
            packages.push_back(std::move(package));
        }
    }
    return packages;
}

}  // namespace moat
