// Maven versions ordered as Maven's ComparableVersion (maven-artifact 3.8/3.9, with MNG-7644's
// ".X" read as "-X") orders them: the "version order specification" of the POM reference.
//
// The version is lowercased and cut into items at '.', at '-' and at every switch between
// digits and letters; a '-', and a switch between letters and digits after other items, opens
// a sub-list ("1.0-rc1" is [1, ["rc", [1]]]). Numbers compare numerically (any length);
// qualifiers by rank, alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release
// < sp < any other qualifier (those alphabetically), with a1/b1/m1 read as alpha-1, beta-1,
// milestone-1. A number is newer than a qualifier or a sub-list, a sub-list newer than a
// qualifier. Trailing "null" items (0, "", ga, final, release) of each list are dropped, so
// "1" == "1.0" == "1.0.0" == "1-ga" == "1.0.RELEASE", and a missing item compares as null:
// "1-snapshot" < "1" < "1-sp" < "1.1".
//
// Maven's order is not transitive on every input, and this one is Maven's: "1.a.1" <
// "1.0A0-alpha.beta" < "1" < "1.a.1" (a qualifier at the top level, "a", is newer than nothing
// but older than any sub-list). It is reflexive and antisymmetric; code that sorts Maven
// versions must not rely on more (the matcher's range evaluation does not).
//
// Every string has a place in this order. Validity is moat's rule, for the matcher: a version
// starts with a digit and holds no whitespace, control characters, property references
// ("${project.version}", unresolved) or range syntax ("[1.0,2.0)"); such a version is not
// judged against advisories. Comparison uses per-thread
// scratch buffers (no allocation once they have grown).
#pragma once

#include <string_view>

namespace moat {

int maven_version_compare(std::string_view a, std::string_view b);
const char* maven_version_problem(std::string_view version);

}  // namespace moat
