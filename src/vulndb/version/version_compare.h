// Version ordering per package ecosystem, exact to each ecosystem's own tool, for the matcher:
// "is the installed version below the advisory's fixed version". Comparisons allocate nothing
// (Maven's reuses per-thread buffers).
#pragma once

#include <string_view>

#include "util/result.h"

namespace moat {

// One scheme per ordering rule set. Debian and Ubuntu use Dpkg; RHEL, AlmaLinux, Rocky,
// Fedora, SUSE and Mariner use Rpm; Alpine uses Apk. Language ecosystems: npm and crates.io
// use Semver, PyPI Pep440, Maven Maven, Go Go, RubyGems Gem, Packagist Composer, NuGet NuGet.
// The language schemes sort versions their tool refuses before all valid ones.
enum class VersionScheme {
    Dpkg,      // [epoch:]upstream[-revision], Debian Policy 5.6.12 (dpkg --compare-versions)
    Rpm,       // [epoch:]version[-release], rpmvercmp with ~ and ^ (rpm.vercmp of rpm 4.18)
    Apk,       // number{.number}{letter}{_suffix{number}}{~hash}{-r#} (apk version -t, apk-tools 3)
    Semver,    // Semver 2.0 as node-semver and Cargo apply it (semver_version.h)
    Pep440,    // PEP 440 as packaging.version orders it (pep440_version.h)
    Maven,     // ComparableVersion of maven-artifact 3.8/3.9 (maven_version.h)
    Go,        // golang.org/x/mod/semver, 'v' optional (semver_version.h)
    Gem,       // Gem::Version (gem_version.h)
    Composer,  // Composer's normalize + PHP version_compare (composer_version.h)
    NuGet,     // NuGet.Versioning (semver_version.h)
};

// "dpkg", "rpm", "apk", "semver", "pep440", "maven", "go", "gem", "composer", "nuget"
std::string_view version_scheme_name(VersionScheme scheme);

// <0 when a is older than b, 0 when they are the same version, >0 when a is newer.
// Defined for any input, valid or not: compare(a, a) == 0 and compare(a, b) == -compare(b, a),
// and transitive, except under Maven, whose own order has cycles (maven_version.h).
int compare_versions(VersionScheme scheme, std::string_view a, std::string_view b);

// Whether `version` is well formed for the scheme (see each scheme's header for the rules).
bool is_valid_version(VersionScheme scheme, std::string_view version);

// The same check with the reason, for messages: "rpm version '1.0-': release is empty".
Status check_version(VersionScheme scheme, std::string_view version);

}  // namespace moat
