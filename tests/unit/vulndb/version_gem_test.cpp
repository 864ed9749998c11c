// RubyGems versions as Gem::Version orders them: segments, pre-releases (any letter), the
// "-" spelling, trailing zeros, invalid input, and the ranges of the real RubyGems advisories.
#include <gtest/gtest.h>

#include "osv_range_order.h"
#include "version_test_cases.h"
#include "vulndb/version/gem_version.h"

namespace moat {
namespace {

using test_support::expect_ascending;
using test_support::expect_invalid;
using test_support::expect_valid;
using test_support::expect_version_cases;

TEST(VersionGem, LettersMakePreReleases) {
    expect_ascending(VersionScheme::Gem, {"1.0.a", "1.0.a1", "1.0.a2", "1.0.a10", "1.0.b1", "1.0.pre",
                                          "1.0.rc1", "1.0", "1.0.1.a", "1.0.1", "1.1"});
    expect_version_cases(VersionScheme::Gem, {{"3.0.0.beta1", "3.0.0", -1},
                                              {"2.2.6.4", "2.2.6.4.rc1", 1},
                                              {"1.0.0-rc1", "1.0.0.pre.rc1", 0},  // "-" reads ".pre."
                                              {"1.0.0-rc1", "1.0.0.rc1", -1},
                                              {"1.0a", "1.0.a", 0},  // segments, not dots, count
                                              {"1.0.A", "1.0.a", -1}});
}

TEST(VersionGem, TrailingZerosAreDropped) {
    expect_version_cases(VersionScheme::Gem, {{"1.0", "1", 0},
                                              {"1.0.0", "1", 0},
                                              {"1.0.a", "1.a", 0},
                                              {"1.a.0", "1.a", 0},
                                              {"1.0.a.0.1", "1.a.0.1", 0},
                                              {"1.01", "1.1", 0},
                                              {"", "0", 0},
                                              {"  ", "0.0", 0},
                                              {" 2.2.8 ", "2.2.8", 0},
                                              {"2.2.10", "2.2.8.1", 1},
                                              {"3.0.0", "2.99999999999999999999", 1}});
}

TEST(VersionGem, Validity) {
    expect_valid(VersionScheme::Gem, {"", "1", "1.0.0", "1.0.0.rc1", "1.0.0-rc1", "1.0.0-x.y-z", "3.2.0.beta1"});
    expect_invalid(VersionScheme::Gem, {"a", ".1", "1.", "1..0", "1.0-", "1.0.0_1", "1.0 rc1", "= 1.0", "junk"});
    expect_version_cases(VersionScheme::Gem, {{"junk", "0", -1}, {"junk", "junk2", -1}});
}

TEST(VersionGem, RangesOfTheRubyGemsAdvisoriesAreOrdered) {
    test_support::expect_range_order("RubyGems", VersionScheme::Gem, {}, 1);
}

}  // namespace
}  // namespace moat
