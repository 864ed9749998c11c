#include "image/path_matcher.h"

#include <fnmatch.h>

#include <algorithm>

namespace moat {

PathMatcher::PathMatcher(const std::vector<PathInterest>& interests) {
    auto widen = [](uint64_t& slot, uint64_t value) { slot = std::max(slot, value); };
    for (const auto& interest : interests) {
        if (interest.elf_executables) elf_limit_ = std::max(elf_limit_.value_or(0), uint64_t{interest.max_bytes});
        for (const auto& path : interest.exact) widen(exact_[path], interest.max_bytes);
        for (const auto& suffix : interest.suffixes) suffixes_.emplace_back(suffix, interest.max_bytes);
        for (const auto& glob : interest.globs) {
            if (glob.size() > 3 && glob.ends_with("/**"))
                subtrees_.emplace_back(glob.substr(0, glob.size() - 2), interest.max_bytes);
            else
                globs_.push_back(Glob{glob, glob.substr(0, glob.find_first_of("*?[\\")), interest.max_bytes});
        }
    }
}

std::optional<uint64_t> PathMatcher::wanted(std::string_view path) const {
    std::optional<uint64_t> best;
    auto take = [&](uint64_t limit) { best = std::max(best.value_or(0), limit); };
    if (auto it = exact_.find(path); it != exact_.end()) take(it->second);
    for (const auto& [suffix, limit] : suffixes_)
        if (path.ends_with(suffix)) take(limit);
    for (const auto& [prefix, limit] : subtrees_)
        if (path.starts_with(prefix)) take(limit);
    std::string terminated;
    for (const auto& glob : globs_) {
        if (!path.starts_with(glob.literal_prefix)) continue;
        if (terminated.empty()) terminated = path;
        if (::fnmatch(glob.pattern.c_str(), terminated.c_str(), FNM_PATHNAME) == 0) take(glob.limit);
    }
    return best;
}

}  // namespace moat
