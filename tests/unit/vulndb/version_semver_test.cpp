// Semver 2.0 as npm and crates.io order versions: the specification's own precedence example,
// the tolerated spellings, build metadata, invalid input, and the ranges of the real npm and
// crates.io advisories.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "osv_range_order.h"
#include "version_oracle.h"
#include "version_test_cases.h"
#include "vulndb/version/semver_version.h"

namespace moat {
namespace {

using test_support::expect_ascending;
using test_support::expect_invalid;
using test_support::expect_valid;
using test_support::expect_version_cases;

TEST(VersionSemver, PrecedenceExampleOfTheSpecification) {
    // semver.org, item 11.
    expect_ascending(VersionScheme::Semver, {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                             "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1",
                                             "1.1.0", "2.0.0"});
}

TEST(VersionSemver, NumbersCompareNumerically) {
    expect_version_cases(VersionScheme::Semver, {{"1.9.0", "1.10.0", -1},
                                                 {"4.17.19", "4.17.4", 1},
                                                 {"0.0.1", "0.1.0", -1},
                                                 {"99999999999999999999.0.0", "99999999999999999998.0.0", 1},
                                                 {"1.0.0-2", "1.0.0-10", -1},      // numeric identifiers
                                                 {"1.0.0-10", "1.0.0-9a", -1},     // a number before letters
                                                 {"1.0.0-Alpha", "1.0.0-alpha", -1},  // ASCII, case-sensitive
                                                 {"1.0.0-a-b", "1.0.0-a", 1}});
}

TEST(VersionSemver, LeadingVOrEqualsAndBuildMetadataDoNotMatter) {
    expect_version_cases(VersionScheme::Semver, {{"v1.2.3", "1.2.3", 0},
                                                 {"=1.2.3", "1.2.3", 0},
                                                 {"=v1.2.3", "1.2.3", 0},
                                                 {" 1.2.3 ", "1.2.3", 0},
                                                 {"1.2.3+build.5", "1.2.3", 0},
                                                 {"1.2.3+a", "1.2.3+b", 0},
                                                 {"1.2.3-rc.1+build", "1.2.3-rc.1", 0},
                                                 {"1.2.3+build", "1.2.4-alpha", -1}});
}

TEST(VersionSemver, InvalidVersionsSortFirst) {
    expect_valid(VersionScheme::Semver, {"0.0.0", "1.2.3-0", "1.2.3-x-y-z.--", "1.0.0+001", "v1.0.0"});
    expect_invalid(VersionScheme::Semver,
                   {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.3-01", "1.2.3-", "1.2.3-a..b",
                    "1.2.3+", "1.2.3_1", "latest", "1.2.x"});
    expect_version_cases(VersionScheme::Semver, {{"latest", "0.0.0-0", -1}, {"1.2", "0.0.1", -1}, {"1.2", "1.3", -1}});
    EXPECT_EQ(check_version(VersionScheme::Semver, "1.02.3").message(),
              "semver version '1.02.3': version number has a leading zero");
}

TEST(VersionSemver, RangesOfTheNpmAdvisoriesAreOrdered) {
    // GHSA-r683-j2x4-v87g starts a node-fetch range at "1.0", which is not semver (node-semver
    // refuses it too): it sorts before every version, so the range starts at the bottom, which
    // the record's other range ([0, 2.6.7)) covers anyway.
    test_support::expect_range_order("npm", VersionScheme::Semver,
                                     {"GHSA-r683-j2x4-v87g node-fetch: invalid 1.0"}, 40);
}

TEST(VersionSemver, RangesOfTheCratesIoAdvisoriesAreOrdered) {
    // RustSec's OSV export writes an empty range [X, X) where a "patched" requirement begins at
    // the very version an affected series starts with; it matches nothing, so it is harmless.
    test_support::expect_range_order("crates.io", VersionScheme::Semver,
                                     {"RUSTSEC-2022-0012 arrow2: 0.10.0 !< 0.10.0",
                                      "RUSTSEC-2023-0039 buffered-reader: 1.2.0 !< 1.2.0",
                                      "RUSTSEC-2024-0399 rustls: 0.23.0 !< 0.23.0",
                                      "RUSTSEC-2026-0149 wasmtime-wasi: 45.0.0 !< 45.0.0"},
                                     1000);
}

// node-semver (strict mode), when Node and a copy of the semver package are installed
// (MOAT_NODE_SEMVER, else the one npm bundles).
TEST(VersionSemverOracle, AgreesWithNodeSemver) {
    const char* env = std::getenv("MOAT_NODE_SEMVER");
    const std::string module = env ? env : "/usr/lib/node_modules/npm/node_modules/semver";
    if (!std::filesystem::exists(module)) GTEST_SKIP() << "no node-semver";
    const auto script = test_support::oracle_temp("semver.js");
    std::ofstream(script) << R"(const semver = require(process.argv[2]);
const out = [];
for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
  if (line === "") continue;
  const [a, b] = line.split("\t");
  const va = semver.valid(a) !== null, vb = semver.valid(b) !== null;
  out.push(va && vb ? String(semver.compare(a, b)) : "invalid:" + (va ? 1 : 0) + (vb ? 1 : 0));
}
console.log(out.join("\n"));
)";
    const std::string command = "node '" + script.string() + "' '" + module + "'";
    const auto vulndb = std::filesystem::path(MOAT_SHARED_DIR) / "vulndb";
    // node-semver also trims whitespace and reads "=1.2.3" only in loose mode, which we accept
    // always; the generated versions leave those out.
    bool answered = test_support::expect_oracle_agrees(
        VersionScheme::Semver, "semver generated versions", command,
        test_support::grammar_pairs({{"", "", "", "v"},
                                     {"0", "1", "2", "10", "0", "1", "01"},
                                     {".0", ".1", ".2", ".10", ".0", ".1", ".2", ".00", ""},
                                     {".0", ".1", ".3", ".12", ".0", ".1", ".3", "", ".0.0"},
                                     {"", "", "", "", "-alpha", "-beta", "-rc", "-0", "-Alpha", "-a-b", "-x", "-alpha",
                                      "-beta", "-rc", "-", "-01"},
                                     {"", "", "", "", ".1", ".2", ".10", ".beta", ".0", ".1", ".2", ".10", ".", "..1"},
                                     {"", "", "", "", "", "", "+build", "+001", "+a.b", "+", "_"}},
                                    8000));
    for (const char* ecosystem : {"npm", "crates.io"})
        if (answered && std::filesystem::exists(vulndb / ecosystem / "all.zip"))
            test_support::expect_oracle_agrees(VersionScheme::Semver, std::string(ecosystem) + " advisories", command,
                                               test_support::advisory_version_pairs(vulndb / ecosystem / "all.zip", 4000));
    std::filesystem::remove(script);
    if (!answered) GTEST_SKIP() << "node could not run the oracle";
}

}  // namespace
}  // namespace moat
