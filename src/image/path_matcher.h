// Decides, for each entry path, whether any analyzer asked for it (exact, suffix, glob).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

class PathMatcher {
public:
    PathMatcher() = default;
    explicit PathMatcher(const std::vector<PathInterest>& interests);
    // The largest body size any interested analyzer accepts, or nullopt when none asked.
    std::optional<uint64_t> wanted(std::string_view path) const;
    // The body limit for executable ELF files anywhere, or nullopt when no analyzer asked.
    std::optional<uint64_t> elf_executable_limit() const { return elf_limit_; }

private:
    struct TransparentHash {
        using is_transparent = void;
        size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
    };
    struct Glob {
        std::string pattern;
        std::string literal_prefix;  // up to the first wildcard: a path without it cannot match
        uint64_t limit;
    };
    std::unordered_map<std::string, uint64_t, TransparentHash, std::equal_to<>> exact_;
    std::vector<std::pair<std::string, uint64_t>> suffixes_;
    std::vector<Glob> globs_;
    std::vector<std::pair<std::string, uint64_t>> subtrees_;  // "DIR/**"
    std::optional<uint64_t> elf_limit_;
};

}  // namespace moat
