// Go module versions: semver with a 'v' (optional here, as OSV's Go ranges drop it),
// shorthands, pseudo-versions and +incompatible, and the ranges of the real Go vulndb.
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

// golang.org/x/mod/semver, the copy the Go toolchain vendors, built into a small program when
// Go is installed. It wants the 'v'; OSV's Go ranges drop it, so the oracle adds it back.
TEST(VersionGoOracle, AgreesWithXModSemver) {
    FILE* goroot_pipe = ::popen("go env GOROOT 2>/dev/null", "r");
    std::string goroot;
    if (goroot_pipe) {
        char buffer[4096];
        if (std::fgets(buffer, sizeof buffer, goroot_pipe)) goroot = buffer;
        ::pclose(goroot_pipe);
    }
    while (!goroot.empty() && (goroot.back() == '\n' || goroot.back() == '\r')) goroot.pop_back();
    const std::filesystem::path library = std::filesystem::path(goroot) / "src/cmd/vendor/golang.org/x/mod/semver/semver.go";
    if (goroot.empty() || !std::filesystem::exists(library)) GTEST_SKIP() << "no Go toolchain with x/mod/semver";
    const auto dir = test_support::oracle_temp("go");
    std::filesystem::create_directories(dir / "semver");
    std::filesystem::copy_file(library, dir / "semver/semver.go");
    std::ofstream(dir / "go.mod") << "module oracle\n\ngo 1.18\n";
    std::ofstream(dir / "main.go") << R"(package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"oracle/semver"
)

func bit(valid bool) int {
	if valid {
		return 1
	}
	return 0
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		pair := strings.SplitN(in.Text(), "\t", 2)
		a, b := "v"+strings.TrimPrefix(pair[0], "v"), "v"+strings.TrimPrefix(pair[1], "v")
		if va, vb := semver.IsValid(a), semver.IsValid(b); !va || !vb {
			fmt.Fprintf(out, "invalid:%d%d\n", bit(va), bit(vb))
			continue
		}
		fmt.Fprintln(out, semver.Compare(a, b))
	}
}
)";
    const std::string build = "cd '" + dir.string() + "' && GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -o oracle . >/dev/null 2>&1";
    if (std::system(build.c_str()) != 0) {
        std::filesystem::remove_all(dir);
        GTEST_SKIP() << "go build failed";
    }
    const std::string command = "'" + (dir / "oracle").string() + "'";
    test_support::expect_oracle_agrees(
        VersionScheme::Go, "Go generated versions", command,
        test_support::grammar_pairs({{"", "v", "v", "v"},
                                     {"0", "1", "2", "10", "0", "1", "01"},
                                     {".0", ".1", ".2", ".10", ".0", ".1", ".2", ".00", ""},
                                     {".0", ".1", ".3", ".12", ".0", ".1", ".3", "", ".0.0"},
                                     {"", "", "", "", "-pre", "-rc", "-0", "-0.20200101120000-abcdef123456",
                                      "-20200101120000-abcdef123456", "-a-b", "-pre", "-rc", "-", "-01"},
                                     {"", "", "", "", ".1", ".2", ".10", ".0", ".1", ".2", ".10", ".", "..1"},
                                     {"", "", "", "", "", "", "+incompatible", "+001", "+a.b", "+", "_"}},
                                    8000));
    const auto zip = std::filesystem::path(MOAT_SHARED_DIR) / "vulndb/Go/all.zip";
    if (std::filesystem::exists(zip))
        test_support::expect_oracle_agrees(VersionScheme::Go, "Go advisories", command,
                                           test_support::advisory_version_pairs(zip, 6000));
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace moat
