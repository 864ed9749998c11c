// Python package versions (PyPI) ordered as PEP 440 and `packaging.version.Version` order
// them. No allocation.
//
// Grammar (case-insensitive, surrounding whitespace and a leading "v" allowed):
//   [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]
// with the spellings packaging accepts: alpha/beta/c/pre/preview for a/b/rc, "-N" and
// rev/r for post, '-', '_' or '.' (or nothing) before each part, and a missing number read as 0.
// Order: epoch, then the release with trailing zeros ignored ("1.0" == "1.0.0"), then
//   1.0.dev0 < 1.0a1.dev0 < 1.0a1 < 1.0a1.post1.dev0 < 1.0a1.post1 < 1.0b1 < 1.0rc1 < 1.0
//   < 1.0+local < 1.0.post1.dev0 < 1.0.post1
// (a dev release of the release itself comes before its pre-releases). Local versions
// ("+ubuntu1") sort after the same public version; their dot/dash/underscore-separated parts
// compare numerically when both are numbers, a number after a string, strings case-insensitively.
// Versions that do not parse (the former "legacy" versions) sort before all valid ones, and
// among themselves as bytes.
#pragma once

#include <string_view>

namespace moat {

int pep440_version_compare(std::string_view a, std::string_view b);

// Why `version` is not a PEP 440 version, or nullptr when it is one.
const char* pep440_version_problem(std::string_view version);

}  // namespace moat
