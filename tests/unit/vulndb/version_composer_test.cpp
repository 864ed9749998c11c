// Composer versions: VersionParser::normalize then PHP's version_compare, with stability
// suffixes, four numbers, date versions, branches, and the ranges of the real Packagist
// advisories (Packagist and Drupal).
#include <gtest/gtest.h>

#include "osv_range_order.h"
#include "version_test_cases.h"
#include "vulndb/version/composer_version.h"

namespace moat {
namespace {

using test_support::expect_ascending;
using test_support::expect_invalid;
using test_support::expect_valid;
using test_support::expect_version_cases;

TEST(VersionComposer, StabilityOrder) {
    expect_ascending(VersionScheme::Composer,
                     {"1.0.0-dev", "1.0.0-alpha", "1.0.0-alpha1", "1.0.0-alpha2", "1.0.0-beta1-dev", "1.0.0-beta1",
                      "1.0.0-beta.2", "1.0.0-RC1", "1.0.0-rc2", "1.0.0", "1.0.0-p1", "1.0.0-patch2", "1.0.0.1",
                      "1.0.1-dev", "1.0.1"});
}

TEST(VersionComposer, NormalisedSpellingsAreEqual) {
    expect_version_cases(VersionScheme::Composer, {{"v1.2.3", "1.2.3", 0},
                                                   {"1.2", "1.2.0.0", 0},
                                                   {"1", "1.0.0.0", 0},
                                                   {"1.0.0-a1", "1.0.0-alpha1", 0},
                                                   {"1.0.0b2", "1.0.0-beta2", 0},
                                                   {"1.0.0-BETA.2", "1.0.0-beta2", 0},
                                                   {"1.0.0-pl3", "1.0.0-patch3", 0},
                                                   {"1.0.0-stable", "1.0.0", 0},
                                                   {"1.0.0+build.7", "1.0.0", 0},
                                                   {"1.0.0@beta", "1.0.0", 0},
                                                   {"1.0.0 as 2.0.0", "1.0.0", 0},
                                                   {" 7.4.1 ", "7.4.1", 0},
                                                   {"1.01", "1.1", 0},
                                                   {"6.5.8", "7.4.5", -1},
                                                   {"10.2.0-rc1", "10.1.9", 1},
                                                   {"10.2.0-rc1", "10.2.0", -1}});
}

TEST(VersionComposer, DateVersions) {
    expect_valid(VersionScheme::Composer, {"2010-01-02", "20100102", "2010.01.02.5", "2023.10"});
    // A date version keeps its own numbers, while a classical one is padded to four:
    // "2010.01.02" is 2010.01.02.0, after "2010-01-02" (version_compare: the longer is newer).
    expect_version_cases(VersionScheme::Composer, {{"2010-01-02", "2010:01:02", 0},
                                                   {"2010-01-02", "2010.01.02", -1},
                                                   {"2010-01-02", "2010-01-03", -1},
                                                   {"2010.01.02.5", "2010.01.02", 1}});
}

TEST(VersionComposer, BranchesAndJunkAreInvalid) {
    expect_invalid(VersionScheme::Composer,
                   {"", "dev-main", "dev-feature/x", "1.x-dev", "master", "1.0.0.0.0", "1.0.0-foo", "1.0.0-1", "abc"});
    expect_version_cases(VersionScheme::Composer, {{"dev-main", "0.0.1", -1}});
}

TEST(VersionComposer, RangesOfThePackagistAdvisoriesAreOrdered) {
    test_support::expect_range_order("Packagist", VersionScheme::Composer, {}, 300);
}

}  // namespace
}  // namespace moat
