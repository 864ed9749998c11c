// PEP 440 versions as packaging.version orders them: epochs, pre/post/dev releases and their
// spellings, local versions, normalisation, invalid ("legacy") versions, and the ranges of the
// real PyPI advisories.
#include <gtest/gtest.h>

#include "osv_range_order.h"
#include "version_oracle.h"
#include "version_test_cases.h"
#include "vulndb/version/pep440_version.h"

namespace moat {
namespace {

using test_support::expect_ascending;
using test_support::expect_invalid;
using test_support::expect_valid;
using test_support::expect_version_cases;

TEST(VersionPep440, OrderOfDevPrePostAndLocal) {
    // PEP 440, "Summary of permitted suffixes and relative ordering", extended.
    expect_ascending(VersionScheme::Pep440,
                     {"1.0.dev456", "1.0a1.dev1", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456",
                      "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0b2-346", "1.0c1.dev456", "1.0c1", "1.0rc2",
                      "1.0c3", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456",
                      "1.0.15", "1.1.dev1", "1!0.1"});
}

TEST(VersionPep440, NormalisedSpellingsAreEqual) {
    expect_version_cases(VersionScheme::Pep440, {{"1.0alpha1", "1.0a1", 0},
                                                 {"1.0-ALPHA.1", "1.0a1", 0},
                                                 {"1.0beta2", "1.0b2", 0},
                                                 {"1.0c1", "1.0rc1", 0},
                                                 {"1.0pre1", "1.0rc1", 0},
                                                 {"1.0preview1", "1.0rc1", 0},
                                                 {"1.0a", "1.0a0", 0},
                                                 {"1.0-1", "1.0.post1", 0},
                                                 {"1.0rev1", "1.0.post1", 0},
                                                 {"1.0r", "1.0.post0", 0},
                                                 {"1.0_post_2", "1.0.post2", 0},
                                                 {"1.0-dev", "1.0.dev0", 0},
                                                 {"v1.0", "1.0", 0},
                                                 {"V1.0", "1.0", 0},
                                                 {"  1.0\n", "1.0", 0},
                                                 {"1.0", "1.0.0.0", 0},  // trailing zeros
                                                 {"0!1.0", "1.0", 0},
                                                 {"1.0+Ubuntu-1", "1.0+ubuntu.1", 0},
                                                 {"1.01", "1.1", 0},
                                                 {"1.0.post1.DEV2", "1.0.post1.dev2", 0}});
}

TEST(VersionPep440, EpochsDominate) {
    expect_version_cases(VersionScheme::Pep440, {{"1!1.0", "2.0", 1},
                                                 {"2!1.0", "1!9.9", 1},
                                                 {"1!2.0.dev1", "1!1.9", 1},
                                                 {"2013.10", "1!1.0", -1}});
}

TEST(VersionPep440, LocalVersions) {
    expect_version_cases(VersionScheme::Pep440, {{"1.0+ubuntu1", "1.0", 1},
                                                 {"1.0+ubuntu1", "1.0.post1", -1},
                                                 {"1.0+1", "1.0+ubuntu", 1},   // a number after a string
                                                 {"1.0+abc.1", "1.0+abc", 1},  // longer after its prefix
                                                 {"1.0+10", "1.0+9", 1},
                                                 {"1.0+cpu", "1.0+cu118", -1},
                                                 {"2.1.0+cu118", "2.1.0", 1}});
}

TEST(VersionPep440, InvalidVersionsSortBeforeAllValidOnes) {
    expect_valid(VersionScheme::Pep440, {"1", "1.0", "1!1.0.0a1.post2.dev3+local.7", "1.0a.post.dev", "1.0a-", "v2"});
    expect_invalid(VersionScheme::Pep440, {"", "dev", "1.0-", "1.0+", "1.0+a..b", "1.0+a_", "1.0.x", "1.0a1b1",
                                           "1.0 beta", "1!", "!1.0", "1.0.dev1.post1", "french toast"});
    expect_version_cases(VersionScheme::Pep440, {{"french toast", "0.0.dev0", -1},
                                                 {"1.0.x", "0", -1},
                                                 {"1.0.x", "1.0.y", -1}});
    EXPECT_EQ(check_version(VersionScheme::Pep440, "1.0.x").message(),
              "pep440 version '1.0.x': invalid character in version");
}

TEST(VersionPep440, RangesOfThePyPIAdvisoriesAreOrdered) {
    // Two records give a "fixed" that is no PEP 440 version (packaging refuses both): steam's
    // release date, binderhub's build tag. Such a bound sorts before every version, so the
    // range [0, bound) holds no valid version and the record never matches.
    test_support::expect_range_order("PyPI", VersionScheme::Pep440,
                                     {"PYSEC-2019-125 steam: invalid 2019-09-12",
                                      "PYSEC-2021-371 binderhub: invalid 0.2.0-n653"},
                                     2000);
}

// packaging.version.Version as pip vendors it (packaging 21+), when Python and pip are there.
TEST(VersionPep440Oracle, AgreesWithPackaging) {
    const auto script = test_support::oracle_temp("pep440.py");
    std::ofstream(script) << R"(import sys
try:
    from packaging.version import Version, InvalidVersion
except ImportError:
    from pip._vendor.packaging.version import Version, InvalidVersion
out = []
for line in sys.stdin:
    parsed = []
    for text in line.rstrip("\n").split("\t"):
        try:
            parsed.append(Version(text))
        except InvalidVersion:
            parsed.append(None)
    x, y = parsed
    if x is None or y is None:
        out.append("invalid:%d%d" % (x is not None, y is not None))
    else:
        out.append(str((x > y) - (x < y)))
print("\n".join(out))
)";
    const std::string command = "python3 '" + script.string() + "'";
    const auto zip = std::filesystem::path(MOAT_SHARED_DIR) / "vulndb/PyPI/all.zip";
    bool answered = false;
    if (std::filesystem::exists(zip))
        answered = test_support::expect_oracle_agrees(VersionScheme::Pep440, "PyPI advisories", command,
                                                      test_support::advisory_version_pairs(zip, 6000));
    if (answered)
        test_support::expect_oracle_agrees(
            VersionScheme::Pep440, "PEP 440 generated versions", command,
            test_support::grammar_pairs({{"", "", "v", "V", " "},
                                         {"", "", "", "1!", "0!", "2!"},
                                         {"0", "1", "2", "10", "01"},
                                         {"", ".0", ".1", ".2", ".10", ".0.0", ".1.0"},
                                         {"", "", "a", "b", "rc", "c", "alpha", "beta", "pre", "preview", ".a", "-b",
                                          "_rc", "A", "RC"},
                                         {"", "1", "0", "2", ".1", "-1", "10"},
                                         {"", "", ".post", "-post", "post", ".r", "rev", "-", ".POST"},
                                         {"", "1", "0", "2", ".1"},
                                         {"", "", ".dev", "-dev", "dev", "_dev", ".DEV"},
                                         {"", "", "0", "1", "3"},
                                         {"", "", "", "+local", "+1", "+abc.2", "+ubuntu-1", "+Ubuntu_1", "+a..b", "+"},
                                         {"", "", "", "", " ", "x", "."}},
                                        8000));
    std::filesystem::remove(script);
    if (!answered) GTEST_SKIP() << "no python3 with packaging";
}

}  // namespace
}  // namespace moat
