#include "vulndb/version/version_compare.h"

#include <string>

#include "vulndb/version/apk_version.h"
#include "vulndb/version/composer_version.h"
#include "vulndb/version/dpkg_version.h"
#include "vulndb/version/gem_version.h"
#include "vulndb/version/maven_version.h"
#include "vulndb/version/pep440_version.h"
#include "vulndb/version/rpm_version.h"
#include "vulndb/version/semver_version.h"

namespace moat {
namespace {

const char* version_problem(VersionScheme scheme, std::string_view version) {
    switch (scheme) {
        case VersionScheme::Dpkg:
            return dpkg_version_problem(version);
        case VersionScheme::Rpm:
            return rpm_version_problem(version);
        case VersionScheme::Apk:
            return apk_version_problem(version);
        case VersionScheme::Semver:
            return semver_version_problem(version);
        case VersionScheme::Pep440:
            return pep440_version_problem(version);
        case VersionScheme::Maven:
            return maven_version_problem(version);
        case VersionScheme::Go:
            return go_version_problem(version);
        case VersionScheme::Gem:
            return gem_version_problem(version);
        case VersionScheme::Composer:
            return composer_version_problem(version);
        case VersionScheme::NuGet:
            return nuget_version_problem(version);
    }
    return "unknown version scheme";
}

}  // namespace

std::string_view version_scheme_name(VersionScheme scheme) {
    switch (scheme) {
        case VersionScheme::Dpkg:
            return "dpkg";
        case VersionScheme::Rpm:
            return "rpm";
        case VersionScheme::Apk:
            return "apk";
        case VersionScheme::Semver:
            return "semver";
        case VersionScheme::Pep440:
            return "pep440";
        case VersionScheme::Maven:
            return "maven";
        case VersionScheme::Go:
            return "go";
        case VersionScheme::Gem:
            return "gem";
        case VersionScheme::Composer:
            return "composer";
        case VersionScheme::NuGet:
            return "nuget";
    }
    return "unknown";
}

int compare_versions(VersionScheme scheme, std::string_view a, std::string_view b) {
    switch (scheme) {
        case VersionScheme::Dpkg:
            return dpkg_version_compare(a, b);
        case VersionScheme::Rpm:
            return rpm_version_compare(a, b);
        case VersionScheme::Apk:
            return apk_version_compare(a, b);
        case VersionScheme::Semver:
            return semver_version_compare(a, b);
        case VersionScheme::Pep440:
            return pep440_version_compare(a, b);
        case VersionScheme::Maven:
            return maven_version_compare(a, b);
        case VersionScheme::Go:
            return go_version_compare(a, b);
        case VersionScheme::Gem:
            return gem_version_compare(a, b);
        case VersionScheme::Composer:
            return composer_version_compare(a, b);
        case VersionScheme::NuGet:
            return nuget_version_compare(a, b);
    }
    return 0;
}

bool is_valid_version(VersionScheme scheme, std::string_view version) {
    return version_problem(scheme, version) == nullptr;
}

Status check_version(VersionScheme scheme, std::string_view version) {
    const char* problem = version_problem(scheme, version);
    if (problem == nullptr) return Status::Ok();
    return Error{std::string(version_scheme_name(scheme)) + " version '" + std::string(version) +
                 "': " + problem};
}

}  // namespace moat
