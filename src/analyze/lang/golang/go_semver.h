// Go module versions: semantic versions with a leading "v" (v1.2.3, v0.0.0-20200804184101-5ec99f83aff1,
// v38.0.0+incompatible), validated and ordered the way the Go toolchain does.
#pragma once

#include <string_view>

namespace moat::golang {

// Whether `version` is a Go semantic version: vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]].
bool is_valid_semver(std::string_view version);

// <0, 0 or >0 as a orders before, with or after b. Build metadata is ignored; an invalid
// version orders before every valid one (two invalid ones are equal).
int compare_semver(std::string_view a, std::string_view b);

}  // namespace moat::golang
