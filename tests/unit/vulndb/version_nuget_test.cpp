// NuGet versions: up to four numbers, SemVer 2 labels compared case-insensitively, and the
// ranges of the real NuGet advisories.
#include <gtest/gtest.h>

#include "osv_range_order.h"
#include "version_test_cases.h"
#include "vulndb/version/semver_version.h"

namespace moat {
namespace {

using test_support::expect_ascending;
using test_support::expect_invalid;
using test_support::expect_valid;
using test_support::expect_version_cases;

TEST(VersionNuGet, FourNumbersMissingOnesZero) {
    expect_version_cases(VersionScheme::NuGet, {{"1.0", "1.0.0.0", 0},
                                                {"1", "1.0.0", 0},
                                                {"1.0.0.1", "1.0.0", 1},
                                                {"1.0.0.1", "1.0.1", -1},
                                                {"13.0.1", "13.0.01", 0},  // leading zeros are allowed
                                                {"12.0.3", "13.0.1", -1},
                                                {"1.0.0+abc", "1.0.0", 0}});
}

TEST(VersionNuGet, LabelsAreCaseInsensitive) {
    expect_version_cases(VersionScheme::NuGet, {{"1.0.0-RC.1", "1.0.0-rc.1", 0},
                                                {"1.0.0-Beta", "1.0.0-alpha", 1},
                                                {"1.0.0-beta.2", "1.0.0-beta.10", -1},
                                                {"1.0.0-beta.10", "1.0.0-beta.x", -1}});
    expect_ascending(VersionScheme::NuGet, {"1.0.0-alpha", "1.0.0-ALPHA.1", "1.0.0-beta", "1.0.0-rc.1", "1.0.0",
                                            "1.0.0.1", "1.0.1"});
}

TEST(VersionNuGet, Validity) {
    expect_valid(VersionScheme::NuGet, {"1", "1.0", "1.0.0", "1.0.0.0", "1.0.0-beta", "1.0.0.0-rc.1+sha.5", " 2.0 "});
    expect_invalid(VersionScheme::NuGet, {"", "v1.0", "1.0.0.0.0", "1..0", "1.0-", "1.0-a..b", "2147483648.0",
                                          "1.0.0-beta_1", "[1.0,2.0)"});
}

TEST(VersionNuGet, RangesOfTheNuGetAdvisoriesAreOrdered) {
        // The one GHSA record's range starts at 0 (no pair to check); the MAL records list versions.
    test_support::expect_range_order("NuGet", VersionScheme::NuGet, {}, 0, 200);
}

}  // namespace
}  // namespace moat
