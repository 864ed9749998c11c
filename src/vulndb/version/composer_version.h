// Composer (Packagist) versions ordered as Composer orders them: normalised by its
// VersionParser::normalize, then compared with PHP's version_compare. No allocation.
//
// Normalising: whitespace, a leading "v", an "@stability" flag, an " as alias" and "+build"
// metadata are dropped; up to four numbers are padded to four ("1.2" -> 1.2.0.0) and a date
// version ("2023-01-15", "20230115") keeps its numbers; a stability suffix is spelt out
// (a/alpha, b/beta, RC, p/pl/patch, with an optional number: "-beta.2" -> "-beta2") and a
// "-dev" kept. Then version_compare: numbers numerically, and the suffixes ranked
// dev < alpha < beta < RC < (a number, or nothing) < patch, so
//   1.0.0-dev < 1.0.0-alpha1 < 1.0.0-beta < 1.0.0-beta2 < 1.0.0-RC1 < 1.0.0 < 1.0.0-p1 < 1.0.1
// and "1.0.0-beta2-dev" < "1.0.0-beta2".
// Branch versions ("dev-main", "1.x-dev") and anything else Composer cannot normalise are
// invalid: they sort before all valid versions, and among themselves as bytes.
#pragma once

#include <string_view>

namespace moat {

int composer_version_compare(std::string_view a, std::string_view b);
const char* composer_version_problem(std::string_view version);

}  // namespace moat
