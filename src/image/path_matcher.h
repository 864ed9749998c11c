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

private:
    std::unordered_map<std::string, uint64_t> exact_;
    std::vector<std::pair<std::string, uint64_t>> suffixes_;
    std::vector<std::pair<std::string, uint64_t>> globs_;
    std::vector<std::pair<std::string, uint64_t>> subtrees_;  // "DIR/**"
};

}  // namespace moat
