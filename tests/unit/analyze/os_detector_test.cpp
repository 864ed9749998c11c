#include "analyze/os/os_detector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "../support/dir_file_view.h"
#include "../support/fixture_cases.h"
#include "../support/memory_file_view.h"

namespace moat {
namespace {

namespace fs = std::filesystem;

using testing::MemoryFileView;

std::optional<OsInfo> detect(std::map<std::string, std::string> files) {
    return OsDetector().detect(MemoryFileView(std::move(files)));
}

// ---------------------------------------------------------------------------------------------
// Every case in shared/fixtures/os-identification, found at run time.

std::string mismatch(const nlohmann::json& expected, const std::optional<OsInfo>& got) {
    if (expected.is_null())
        return got ? "expected no OS, got " + got->family + " " + got->version : "";
    if (!got) return "expected " + expected.dump() + ", got no OS";
    if (got->family != expected.value("family", ""))
        return "family " + got->family + " != " + expected.dump();
    if (got->version != expected.value("version", ""))
        return "version " + got->version + " != " + expected.dump();
    return "";
}

TEST(OsFixtures, EveryCaseMatchesThePeer) {
    const fs::path category = moat::testing::shared_dir() / "fixtures" / "os-identification";
    const std::vector<fs::path> cases = testing::fixture_case_dirs(category);
    ASSERT_FALSE(cases.empty()) << "no fixture cases under " << category;

    size_t passed = 0, skipped = 0;
    for (const auto& dir : cases) {
        const auto expected = testing::load_json(dir / "expected.json");
        if (expected.contains("peer_config") && !expected["peer_config"].is_null() &&
            !expected["peer_config"].empty()) {
            ++skipped;  // non-default peer options are not moat's default behaviour
            continue;
        }
        const auto got = OsDetector().detect(moat::testing::DirFileView(dir / "input"));
        const auto problem = mismatch(expected["os"], got);
        if (problem.empty())
            ++passed;
        else
            ADD_FAILURE() << dir.filename().string() << ": " << problem;
    }
    std::cout << "[ fixtures ] os-identification: " << passed << "/" << cases.size() - skipped
              << " cases match (" << skipped << " skipped for non-default peer options)\n";
}

// ---------------------------------------------------------------------------------------------
// os-release syntax

TEST(OsRelease, UnquotesAndSkipsComments) {
    const auto release = parse_os_release(
        "# comment\r\nID=alpine\r\nVERSION_ID='3.18.4'\r\n"
        "PRETTY_NAME=\"Alpine \\\"Linux\\\" v3.18\"  \r\nNAME = \"spaced\"\r\nBROKEN LINE\r\n");
    EXPECT_EQ(release.id, "alpine");
    EXPECT_EQ(release.version_id, "3.18.4");
    EXPECT_EQ(release.pretty_name, "Alpine \"Linux\" v3.18");
    EXPECT_EQ(release.name, "spaced");
}

TEST(OsRelease, UnterminatedQuoteTakesTheRestOfTheLine) {
    EXPECT_EQ(parse_os_release("VERSION_ID=\"12").version_id, "12");
}

// ---------------------------------------------------------------------------------------------
// Which file wins

TEST(OsDetector, ReleaseFileRefinesOsReleaseVersion) {
    auto os = detect({{"etc/os-release",
                       "ID=\"centos\"\nNAME=\"CentOS Linux\"\nVERSION_ID=\"7\"\n"
                       "PRETTY_NAME=\"CentOS Linux 7 (Core)\"\n"},
                      {"etc/centos-release", "CentOS Linux release 7.6.1810 (Core)\n"}});
    ASSERT_TRUE(os);
    EXPECT_EQ(os->family, "centos");
    EXPECT_EQ(os->version, "7.6.1810");
    EXPECT_EQ(os->codename, "Core");
    EXPECT_EQ(os->pretty_name, "CentOS Linux 7 (Core)");
}

TEST(OsDetector, DebianVersionRefinesAndNamesTheCodename) {
    auto os = detect(
        {{"etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"}, {"etc/debian_version", "12.5\n"}});
    ASSERT_TRUE(os);
    EXPECT_EQ(os->family, "debian");
    EXPECT_EQ(os->version, "12.5");
    EXPECT_EQ(os->codename, "bookworm");
    EXPECT_FALSE(os->distroless);
}

TEST(OsDetector, UnrelatedVersionDoesNotReplaceOsRelease) {
    // Ubuntu ships a debian_version naming the Debian release it branched from.
    auto os =
        detect({{"etc/os-release", "ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\n"},
                {"etc/debian_version", "bookworm/sid\n"},
                {"etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n"}});
    ASSERT_TRUE(os);
    EXPECT_EQ(os->family, "ubuntu");
    EXPECT_EQ(os->version, "22.04");
    EXPECT_EQ(os->codename, "jammy");
}

TEST(OsDetector, DebianTestingHasNoVersionIdButDebianVersionNamesIt) {
    auto os = detect(
        {{"etc/os-release",
          "ID=debian\nVERSION_CODENAME=trixie\nPRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\n"},
         {"etc/debian_version", "trixie/sid\n"}});
    ASSERT_TRUE(os);
    EXPECT_EQ(os->version, "trixie/sid");
    EXPECT_EQ(os->codename, "trixie");
    EXPECT_EQ(os->pretty_name, "Debian GNU/Linux trixie/sid");
}

TEST(OsDetector, OracleReleaseWinsOverItsRedHatRelease) {
    auto os =
        detect({{"etc/redhat-release", "Red Hat Enterprise Linux Server release 7.6 (Maipo)\n"},
                {"etc/oracle-release", "Oracle Linux Server release 7.6\n"}});
    ASSERT_TRUE(os);
    EXPECT_EQ(os->family, "oracle");
    EXPECT_EQ(os->version, "7.6");
}

TEST(OsDetector, RedHatReleaseIsReadByItsContent) {
    // On CentOS, redhat-release is a link to centos-release.
    auto os = detect({{"etc/redhat-release", "CentOS Stream release 9\n"}});
    ASSERT_TRUE(os);
    EXPECT_EQ(os->family, "centos-stream");
    EXPECT_EQ(os->version, "9");
}

TEST(OsDetector, AmazonKeepsItsSystemReleaseVersionForm) {
    auto os = detect({{"etc/os-release", "ID=\"amzn\"\nVERSION_ID=\"2018.03\"\n"},
                      {"etc/system-release", "Amazon Linux AMI release 2018.03\n"}});
    ASSERT_TRUE(os);
    EXPECT_EQ(os->family, "amazon");
    EXPECT_EQ(os->version, "AMI release 2018.03");
}

TEST(OsDetector, SuseReleaseAddsThePatchLevel) {
    auto os =
        detect({{"etc/SuSE-release",
                 "SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 3\n"}});
    ASSERT_TRUE(os);
    EXPECT_EQ(os->family, "sles");
    EXPECT_EQ(os->version, "12.3");
}

TEST(OsDetector, UsrLibOsReleaseWhenEtcHasNone) {
    auto os = detect({{"usr/lib/os-release", "ID=wolfi\nVERSION_ID=20230201\n"}});
    ASSERT_TRUE(os);
    EXPECT_EQ(os->family, "wolfi");
}

TEST(OsDetector, DistrolessWithoutOsRelease) {
    // CLI.md: `os` is null for distroless without a release file; its packages still list.
    auto bare = detect({{"var/lib/dpkg/status.d/base", "Package: base-files\nVersion: 11.1\n"}});
    EXPECT_FALSE(bare);

    auto versioned = detect({{"var/lib/dpkg/status.d/base", "Package: base-files\n"},
                             {"etc/debian_version", "11.7\n"}});
    ASSERT_TRUE(versioned);
    EXPECT_EQ(versioned->version, "11.7");
    EXPECT_EQ(versioned->codename, "bullseye");
    EXPECT_TRUE(versioned->distroless);
}

TEST(OsDetector, NothingRecognisableIsNoOs) {
    EXPECT_FALSE(detect({}));
    EXPECT_FALSE(detect({{"etc/os-release", "ID=arch\nVERSION_ID=rolling\n"}}));
    EXPECT_FALSE(detect({{"etc/redhat-release", "garbage\n"}, {"etc/alpine-release", "\n\n"}}));
    EXPECT_FALSE(detect({{"var/lib/dpkg/status.d/nested/file", "Package: x\n"}}));
}

}  // namespace
}  // namespace moat
