// Semantic-versioning orders: Semver 2.0 as npm (node-semver) and crates.io (Cargo) apply it,
// Go module versions (golang.org/x/mod/semver), and NuGet versions (NuGet.Versioning). No
// allocation.
//
// All three order MAJOR.MINOR.PATCH numerically (any length), then a version with a
// pre-release before the same version without one; pre-release identifiers compare one by one,
// numeric ones numerically and before alphanumeric ones, alphanumeric ones as bytes, and a
// shorter list of identifiers first when it is a prefix of the other ("1.0.0-alpha" <
// "1.0.0-alpha.1" < "1.0.0-alpha.beta" < "1.0.0-beta.2" < "1.0.0-beta.11" < "1.0.0-rc.1" <
// "1.0.0"). Build metadata ("+build.5", Go's "+incompatible") never takes part.
//
// Invalid versions sort before every valid one, and among themselves as bytes, which keeps the
// order total on any input.
#pragma once

#include <string_view>

namespace moat {

// npm and crates.io: exactly three numbers without leading zeros; a leading "v" or "=" (as
// node-semver's clean() drops them) and surrounding whitespace are tolerated.
int semver_version_compare(std::string_view a, std::string_view b);
const char* semver_version_problem(std::string_view version);

// Go: "v1.2.3[-pre][+build]", also the shorthands "v1" and "v1.2" (= v1.0.0, v1.2.0) as
// x/mod/semver accepts them. The "v" may be missing, as OSV's Go ranges drop it ("1.2.3").
// Pseudo-versions (v0.0.0-20200101120000-abcdef123456, v1.2.4-0.2020…) are pre-releases and
// order as such.
int go_version_compare(std::string_view a, std::string_view b);
const char* go_version_problem(std::string_view version);

// NuGet: one to four numbers (missing ones are 0, so "1.0" == "1.0.0.0"; leading zeros allowed),
// then SemVer 2 labels compared case-insensitively ("1.0.0-RC.1" == "1.0.0-rc.1").
int nuget_version_compare(std::string_view a, std::string_view b);
const char* nuget_version_problem(std::string_view version);

}  // namespace moat
