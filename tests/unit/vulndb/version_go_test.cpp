// Go module versions: semver with a 'v' (optional here, as OSV's Go ranges drop it),
// shorthands, pseudo-versions and +incompatible, and the ranges of the real Go vulndb.
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

TEST(VersionGo, PseudoVersionsArePreReleases) {
    // A pseudo-version for a commit after v1.2.3 is a pre-release of v1.2.4, so it sorts
    // between the two tags; one before any tag is a pre-release of v0.0.0.
    expect_ascending(VersionScheme::Go, {"v0.0.0-20190101000000-aaaaaaaaaaaa", "v0.0.0-20200101120000-abcdef123456",
                                         "v0.0.0", "v1.2.3", "v1.2.4-0.20200101120000-abcdef123456",
                                         "v1.2.4-0.20210101120000-abcdef123456", "v1.2.4", "v1.3.0-pre",
                                         "v1.3.0-pre.0.20200101120000-abcdef123456", "v1.3.0"});
}

TEST(VersionGo, IncompatibleAndTheVAreIgnored) {
    expect_version_cases(VersionScheme::Go, {{"v2.0.0+incompatible", "2.0.0", 0},
                                             {"v2.0.0+incompatible", "v2.0.1", -1},
                                             {"v17.0.0+incompatible", "v9.9.9", 1},
                                             {"1.21.3", "v1.21.3", 0},
                                             {"v1.21.3", "1.21.10", -1},
                                             {"1.21.0-rc.2", "1.21.0", -1}});
}

TEST(VersionGo, ShorthandsAsXModSemver) {
    expect_version_cases(VersionScheme::Go, {{"v1", "v1.0.0", 0}, {"v1.2", "v1.2.0", 0}, {"v1.2", "v1.10", -1}});
    expect_valid(VersionScheme::Go, {"v1", "v1.2", "v1.2.3", "v1.2.3-pre", "v1.2.3+meta", "1.2.3"});
    expect_invalid(VersionScheme::Go, {"", "v", "v1.2-pre", "v1+meta", "v01.2.3", "v1.2.3-01", "v1.2.3.4",
                                       "(devel)", "go1.21", "V1.2.3 "});
}

TEST(VersionGo, RangesOfTheGoAdvisoriesAreOrdered) {
    test_support::expect_range_order("Go", VersionScheme::Go, {}, 2000);
}

}  // namespace
}  // namespace moat
