// RubyGems versions ordered as Gem::Version#<=> orders them. No allocation.
//
// A version is digits followed by dot-separated runs of letters and digits, optionally a
// "-label" (read as ".pre.label"); surrounding whitespace is ignored, and an empty version is
// "0". It is cut into segments, each a number or a run of letters ("1.0.a10" is 1, 0, "a", 10).
// A letter anywhere makes it a pre-release. Segments compare pairwise, a missing one as 0:
// numbers numerically, strings as bytes, and a string before a number ("1.0.a" < "1.0" <
// "1.0.1"). Trailing zeros of the numbers before the first string, and of the part from the
// first string on, are dropped first, so "1.0" == "1" and "1.0.a" == "1.a".
// Versions Gem::Version would refuse sort before all valid ones, and among themselves as bytes.
#pragma once

#include <string_view>

namespace moat {

int gem_version_compare(std::string_view a, std::string_view b);
const char* gem_version_problem(std::string_view version);

}  // namespace moat
