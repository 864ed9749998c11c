// Alpine (apk) package versions ordered as apk-tools 3 orders them. No allocation.
//
// Grammar (apk-package(5)): number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}.
// Versions are compared token by token, each token against the token of the same kind:
//   - numbers as numbers of any length; but a dotted component with a leading zero ("1.05")
//     compares as a string against the other side's component, as in Gentoo ("1.05" < "1.1",
//     "8.2.0" < "8.2.001"; apk-tools 2 differed here, see apk_version.cpp);
//   - the letter by byte; suffixes by rank: _alpha < _beta < _pre < _rc < (none) < _cvs <
//     _svn < _git < _hg < _p, then their numbers; the ~hash as a string; -rN numerically.
// When one side's next token is of another kind, the side whose token comes earlier in the
// grammar is newer ("1.0.1" > "1.0a" > "1.0_p1" > "1.0-r5" > "1.0"), except that a pre-release
// suffix is older than anything ("1.0_rc1" < "1.0" < "1.0-r1").
#pragma once

#include <string_view>

namespace moat {

// <0, 0, >0 as `apk version -t a b` prints <, =, >. Total and deterministic on any input;
// an invalid version compares by its valid prefix, with the first bad token sorting before
// anything but a pre-release suffix (so "1.0_rc1" < "1.0@" < "1.0"), and all versions that go
// bad at the same point equal.
int apk_version_compare(std::string_view a, std::string_view b);

// Why `version` does not follow the grammar above, or nullptr when it does.
const char* apk_version_problem(std::string_view version);
inline bool apk_version_valid(std::string_view version) {
    return apk_version_problem(version) == nullptr;
}

}  // namespace moat
