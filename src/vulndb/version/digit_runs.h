// Comparisons of version runs shared by the rpm and apk orderings: byte order (a proper prefix
// first) and numeric order of digit runs of any length (leading zeros ignored, no overflow).
#pragma once

#include <algorithm>
#include <cstring>
#include <string_view>

namespace moat::version_runs {

inline int sign(int value) { return (value > 0) - (value < 0); }

inline int compare_bytes(std::string_view a, std::string_view b) {
    size_t common = std::min(a.size(), b.size());
    if (int order = common == 0 ? 0 : std::memcmp(a.data(), b.data(), common)) return sign(order);
    if (a.size() == b.size()) return 0;
    return a.size() < b.size() ? -1 : 1;
}

inline int compare_numbers(std::string_view a, std::string_view b) {
    while (!a.empty() && a.front() == '0') a.remove_prefix(1);
    while (!b.empty() && b.front() == '0') b.remove_prefix(1);
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return compare_bytes(a, b);
}

}  // namespace moat::version_runs
