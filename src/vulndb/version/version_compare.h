// Version ordering per package ecosystem, exact to each ecosystem's own tool, for the matcher:
// "is the installed version below the advisory's fixed version". Comparisons allocate nothing.
#pragma once

#include <string_view>

#include "util/result.h"

namespace moat {

// One scheme per ordering rule set. Debian and Ubuntu use Dpkg; RHEL, AlmaLinux, Rocky,
// Fedora, SUSE and Mariner use Rpm; Alpine uses Apk. Language ecosystems (semver, PEP 440,
// Maven, ...) get their own entries here as they land.
enum class VersionScheme {
    Dpkg,  // [epoch:]upstream[-revision], Debian Policy 5.6.12 (dpkg --compare-versions)
    Rpm,   // [epoch:]version[-release], rpmvercmp with ~ and ^ (rpm.vercmp of rpm 4.18)
    Apk,   // number{.number}{letter}{_suffix{number}}{~hash}{-r#} (apk version -t, apk-tools 3)
};

std::string_view version_scheme_name(VersionScheme scheme);  // "dpkg", "rpm", "apk"

// <0 when a is older than b, 0 when they are the same version, >0 when a is newer.
// Defined for any input, valid or not: compare(a, a) == 0 and compare(a, b) == -compare(b, a).
int compare_versions(VersionScheme scheme, std::string_view a, std::string_view b);

// Whether `version` is well formed for the scheme (see each scheme's header for the rules).
bool is_valid_version(VersionScheme scheme, std::string_view version);

// The same check with the reason, for messages: "rpm version '1.0-': release is empty".
Status check_version(VersionScheme scheme, std::string_view version);

}  // namespace moat
