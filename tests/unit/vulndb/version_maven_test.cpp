// Maven versions as ComparableVersion (maven-artifact 3.9) orders them: the examples of the POM
// reference's version order specification and of Maven's own tests, qualifiers and their
// aliases, sub-lists, trailing-zero trimming, and the ranges of the real Maven advisories.
#include <gtest/gtest.h>

#include <fstream>

#include "osv_range_order.h"
#include "version_oracle.h"
#include "version_test_cases.h"
#include "vulndb/version/maven_version.h"

namespace moat {
namespace {

using test_support::expect_ascending;
using test_support::expect_version_cases;

TEST(VersionMaven, QualifierOrder) {
    expect_ascending(VersionScheme::Maven, {"1-alpha", "1-beta", "1-milestone", "1-rc", "1-snapshot", "1", "1-sp",
                                            "1-abc", "1-xyz", "1-1", "1.0.1", "1.1"});
    expect_version_cases(VersionScheme::Maven, {{"1-cr", "1-rc", 0},
                                                {"1-ga", "1", 0},
                                                {"1-final", "1", 0},
                                                {"1.0.RELEASE", "1", 0},
                                                {"1-Final", "1.0.0", 0},
                                                {"1-ALPHA", "1-alpha", 0},
                                                {"1-a1", "1-alpha-1", 0},  // a1/b1/m1 before a digit
                                                {"1-b2", "1-beta-2", 0},
                                                {"1-m3", "1-milestone-3", 0},
                                                {"1-a", "1-alpha", 1},      // "a" alone is an unknown qualifier, after sp
                                                {"2.0.0-SNAPSHOT", "2.0.0", -1},
                                                {"2.0.0-SNAPSHOT", "2.0.0-rc1", 1},
                                                {"2.0.0-RC1", "2.0.0-rc-1", 0}});
}

TEST(VersionMaven, TrailingNullItemsAreTrimmed) {
    expect_version_cases(VersionScheme::Maven, {{"1", "1.0", 0},
                                                {"1", "1.0.0", 0},
                                                {"1.0-0", "1", 0},
                                                {"1-0.0", "1", 0},
                                                {"1.0.0-ga", "1", 0},
                                                {"1.0-1", "1-1", 0},  // the 0 before a sub-list goes too
                                                {"1.0.0.0.0.0.0.1", "1", 1},
                                                {"1.", "1", 0},
                                                {"1..1", "1.0.1", 0}});
}

TEST(VersionMaven, DigitsAndLettersSwitch) {
    expect_version_cases(VersionScheme::Maven, {{"1.0alpha1", "1.0-alpha-1", 0},
                                                {"1.0-rc1", "1.0-rc-1", 0},
                                                {"1.0rc10", "1.0rc9", 1},
                                                {"1.0.0.X1", "1.0.0-X2", -1},  // ".X" reads as "-X" (MNG-7644)
                                                {"1.0.0.X2", "1.0.0-X1", 1},
                                                {"1.7", "1.7-1", -1},          // "-1" is more than nothing
                                                {"1.7.1", "1.7-1", 1},         // a number after a sub-list
                                                {"1-1", "1-sp", 1},            // a sub-list after a string
                                                {"1.0.0.Final", "1.0.0", 0},
                                                {"2.14.1", "2.15.0", -1},
                                                {"2.12.2", "2.12.10", -1},
                                                {"2.3.1", "2.3.1-jdk8", -1},
                                                {"9223372036854775808", "9223372036854775807", 1},  // past a long
                                                {"1.0.0-20200101.120000-1", "1.0.0-20200101.120000-2", -1}});
}

TEST(VersionMaven, MavensOwnExamples) {
    // The ordered lists of maven-artifact's ComparableVersionTest.
    expect_ascending(VersionScheme::Maven,
                     {"1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11", "1-rc",
                      "1-cr2", "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc", "1-def", "1-pom-1",
                      "1-1-snapshot", "1-1", "1-2", "1-123"});
    expect_ascending(VersionScheme::Maven,
                     {"2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1",
                      "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b",
                      "11c", "11m"});
}

TEST(VersionMaven, Validity) {
    EXPECT_TRUE(is_valid_version(VersionScheme::Maven, "2.15.0"));
    EXPECT_TRUE(is_valid_version(VersionScheme::Maven, "1.0.0.Final-jdk8_x"));
    EXPECT_TRUE(is_valid_version(VersionScheme::Maven, "2.0-SNAPSHOT"));
    for (const char* invalid : {"", "1.0 beta", "${project.version}", "1.${minor}", "[1.0,2.0)", "RELEASE", "v1.0"})
        EXPECT_FALSE(is_valid_version(VersionScheme::Maven, invalid)) << invalid;
}

TEST(VersionMaven, RangesOfTheMavenAdvisoriesAreOrdered) {
    test_support::expect_range_order("Maven", VersionScheme::Maven, {}, 9);
}

TEST(VersionMaven, OrderHasCyclesAsMavensOwn) {
    // ComparableVersion is not transitive; we answer as it does (java ... ComparableVersion).
    expect_version_cases(VersionScheme::Maven,
                         {{"1.a.1", "1.0A0-alpha.beta", -1}, {"1.0A0-alpha.beta", "1", -1}, {"1", "1.a.1", -1}});
}

// ComparableVersion from the maven-artifact jar, when Java and the jar are installed
// (MOAT_MAVEN_ARTIFACT_JAR, else Debian's libmaven3-core-java path).
TEST(VersionMavenOracle, AgreesWithComparableVersion) {
    const char* env = std::getenv("MOAT_MAVEN_ARTIFACT_JAR");
    const std::string jar = env ? env : "/usr/share/java/maven3-artifact.jar";
    if (!std::filesystem::exists(jar)) GTEST_SKIP() << "no maven-artifact jar";
    const auto dir = test_support::oracle_temp("maven");
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "MavenOracle.java") << R"(import org.apache.maven.artifact.versioning.ComparableVersion;
import java.io.BufferedReader;
import java.io.InputStreamReader;

public class MavenOracle {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        StringBuilder out = new StringBuilder();
        for (String line; (line = in.readLine()) != null;) {
            String[] pair = line.split("\t", 2);
            int order = new ComparableVersion(pair[0]).compareTo(new ComparableVersion(pair[1]));
            out.append(Integer.signum(order)).append('\n');
        }
        System.out.print(out);
    }
}
)";
    const std::string command = "java -cp '" + jar + "' '" + (dir / "MavenOracle.java").string() + "'";
    const auto zip = std::filesystem::path(MOAT_SHARED_DIR) / "vulndb/Maven/all.zip";
    bool answered = test_support::expect_oracle_agrees(
        VersionScheme::Maven, "Maven generated versions", command,
        test_support::grammar_pairs({{"1", "0", "2", "10", "01", "2.15", "1.0.0"},
                                     {"", "", ".0", ".1", "-1", ".0.0", "-0", ".", "-", ".."},
                                     {"", "", "-", ".", "-", "_"},
                                     {"", "alpha", "a", "b", "beta", "m", "milestone", "rc", "cr", "CR", "SNAPSHOT", "ga",
                                      "final", "Final", "RELEASE", "sp", "foo", "x", "jre", "A", "M"},
                                     {"", "1", "2", "0", "-1", ".1", "10", "-2"},
                                     {"", "", "-SNAPSHOT", ".RELEASE", "-jre", ".Final", "-sp-1", "-b1"}},
                                    8000));
    if (answered && std::filesystem::exists(zip))
        test_support::expect_oracle_agrees(VersionScheme::Maven, "Maven advisories", command,
                                           test_support::advisory_version_pairs(zip, 600));
    std::filesystem::remove_all(dir);
    if (!answered) GTEST_SKIP() << "java could not run the oracle";
}

}  // namespace
}  // namespace moat
