#include "analyze/lang/rust/cargo_lock.h"

#include <fmt/format.h>

#include <set>
#include <tuple>

#include "analyze/lang/lock_text.h"
#include "analyze/lang/toml/lock_toml.h"

namespace moat {
namespace {

constexpr std::string_view kLockName = "Cargo.lock";
// Real lock files of large workspaces stay under a few MiB.
constexpr size_t kMaxLockBytes = 32u << 20;

}  // namespace

std::vector<Package> parse_cargo_lock(std::string_view text, std::vector<std::string>& warnings) {
    const auto document = lock_toml::read(text);
    if (!document) {
        warnings.push_back(document.error().message);
        return {};
    }
    std::vector<Package> packages;
    const auto* entries = document->array_at("package");
    if (!entries) return packages;
    std::set<std::tuple<std::string_view, std::string_view, std::string_view>> seen;  // name, version, source
    for (const auto& entry : entries->items()) {
        if (!entry.is_table()) continue;
        const auto name = entry.string_at("name"), version = entry.string_at("version");
        if (name.empty() || version.empty()) {
            warnings.push_back(fmt::format("line {}: [[package]] has no name or version; skipped", entry.line()));
        } else if (seen.emplace(name, version, entry.string_at("source")).second) {
            // The same crate from two sources (crates.io and a git fork) is two packages.
            Package package;
            package.type = "cargo";
            package.name = std::string(name);
            package.version = std::string(version);
            packages.push_back(std::move(package));
        }
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
    const auto is_lock = [](std::string_view path) {
        return path == kLockName || path.ends_with("/" + std::string(kLockName));
    };
    return read_lock_files(files, is_lock, parse_cargo_lock, warnings);
}

}  // namespace moat
