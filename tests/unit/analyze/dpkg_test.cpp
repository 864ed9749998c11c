#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "../support/dir_file_view.h"
#include "../support/fixture_cases.h"
#include "../support/memory_file_view.h"
#include "analyze/pkg/dpkg_analyzer.h"
#include "vulndb/version/dpkg_version.h"

namespace moat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using testing::MemoryFileView;

std::vector<Package> parse(std::string_view text, bool status_d = false) {
    std::vector<std::string> warnings;
    return parse_dpkg_status(text, status_d, warnings);
}

std::vector<std::string> names(const std::vector<Package>& packages) {
    std::vector<std::string> out;
    for (const auto& package : packages) out.push_back(package.name);
    return out;
}

// ---------------------------------------------------------------------------------------------
// Every case in shared/fixtures/dpkg, found at run time, compared as fixtures/README.md says.

// "[epoch:]version[-release]" for Trivy's split form; the field itself otherwise.
std::string full_version(const json& package, const std::string& format,
                         const std::string& prefix) {
    std::string version = package.value(prefix + "version", "");
    if (format.rfind("trivy-split", 0) != 0) return version;
    const std::string release = package.value(prefix + "release", "");
    if (!release.empty()) version += "-" + release;
    if (package.value(prefix + "epoch", 0) != 0)
        version = std::to_string(package.value(prefix + "epoch", 0)) + ":" + version;
    return version;
}

// Differences between what the peer asserts and what we found ("" when they agree).
std::string mismatch(const json& expected, const std::vector<Package>& got) {
    const std::string format = expected.value("version_format", "");
    std::map<std::pair<std::string, std::string>, const Package*> found;
    for (const auto& package : got) found[{package.name, package.version}] = &package;
    std::string problems;
    for (const auto& want : expected["packages"]) {
        const std::string name = want.value("name", "");
        const auto it = found.find({name, full_version(want, format, "")});
        if (it == found.end()) {
            problems += " missing " + name + "@" + full_version(want, format, "") + ";";
            continue;
        }
        const Package& package = *it->second;
        auto check = [&](const char* field, const std::string& ours, const std::string& theirs) {
            if (ours != theirs)
                problems += " " + name + " " + field + " " + ours + " != " + theirs + ";";
        };
        if (want.contains("arch")) check("arch", package.arch, want["arch"]);
        if (want.contains("src_name")) check("source", package.source_name, want["src_name"]);
        if (want.contains("src_version"))
            check("source version", package.source_version, full_version(want, format, "src_"));
        if (want.contains("maintainer"))
            check("maintainer", package.maintainer, want["maintainer"]);
    }
    if (expected.value("complete", false) && got.size() != expected["packages"].size())
        problems += " found " + std::to_string(got.size()) + " packages, expected exactly " +
                    std::to_string(expected["packages"].size()) + ";";
    return problems;
}

TEST(DpkgFixtures, EveryDefaultCaseMatchesThePeer) {
    testing::expect_default_fixture_cases_match(
        "dpkg", [](const fs::path& dir, const json& expected) {
            std::vector<std::string> warnings;
            return mismatch(expected,
                            DpkgAnalyzer().analyze(testing::DirFileView(dir / "input"), {}, warnings));
        });
}

// ---------------------------------------------------------------------------------------------
// Source package

TEST(DpkgStatus, SourceWithVersionGivesTheSourceItsOwnVersion) {
    const auto packages = parse(
        "Package: libgcc1\nStatus: install ok installed\nArchitecture: amd64\n"
        "Source: gcc-8 (8-20180414-1ubuntu2)\nVersion: 1:8-20180414-1ubuntu2\n");
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].type, "deb");
    EXPECT_EQ(packages[0].version, "1:8-20180414-1ubuntu2");
    EXPECT_EQ(packages[0].arch, "amd64");
    EXPECT_EQ(packages[0].source_name, "gcc-8");
    EXPECT_EQ(packages[0].source_version, "8-20180414-1ubuntu2");
}

TEST(DpkgStatus, BareSourceSharesTheBinaryVersionWithItsEpoch) {
    const auto packages = parse(
        "Package: passwd\nStatus: install ok installed\nSource: shadow\nVersion: 1:4.5-1ubuntu1\n");
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].source_name, "shadow");
    EXPECT_EQ(packages[0].source_version, "1:4.5-1ubuntu1");
}

TEST(DpkgStatus, NoSourceMeansThePackageIsItsOwnSource) {
    const auto packages = parse(
        "Package: docker-ce\nStatus: install ok installed\nVersion: 5:20.10.7~3-0~debian-buster\n"
        "Maintainer: Docker <support@docker.com>\n");
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].source_name, "docker-ce");
    EXPECT_EQ(packages[0].source_version, "5:20.10.7~3-0~debian-buster");
    EXPECT_EQ(packages[0].maintainer, "Docker <support@docker.com>");
}

// ---------------------------------------------------------------------------------------------
// Versions

TEST(DebianVersion, AcceptsPolicyVersions) {
    for (const char* version : {"1.0", "0", "1:2.5.1-4", "5:20.10.7~3-0~debian-buster",
                                "2020a-0+deb10u1", "8-20180414-1ubuntu2", "1.2.3~rc1", "0:1",
                                "1:2:3-1", "3.34.1-3", "0001:1", "2147483647:1", "1.0--1"})
        EXPECT_TRUE(dpkg_version_valid(version)) << version;
}

TEST(DebianVersion, RejectsWhatDpkgRejects) {
    for (const char* version : {"", "1:5.#", "a1.0", ":1.0", "x:1.0", "-1:1.0", "1.0-", "1.0-r#",
                                "1.0 2", "1:", "99999999999:1.0", "1.0-1_2", "1:-1", "1.2:3-1",
                                "2147483648:1", "1.0-1:2", "1.0_a"})
        EXPECT_FALSE(dpkg_version_valid(version)) << version;
}

// dpkg itself is the oracle where it is installed: every short string over the characters that
// matter must get the same verdict from both.
TEST(DebianVersion, AgreesWithDpkgValidateVersion) {
    if (std::system("dpkg --validate-version 1.0 >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "dpkg --validate-version is not available";
    const std::string alphabet = "1a:-.~#";  // one of each character class
    std::vector<std::string> versions = {"", "0"};
    for (size_t length = 1, begin = 0; length <= 3; ++length) {
        const size_t end = versions.size();
        for (size_t i = (length == 1 ? 0 : begin); i < end; ++i)
            for (char c : alphabet) versions.push_back(versions[i] + c);
        begin = end;
    }
    // One shell for all versions: dpkg's verdicts come back one line each.
    const auto list = fs::temp_directory_path() / ("moat-versions-" + std::to_string(::getpid()));
    {
        std::ofstream out(list);
        for (const auto& version : versions) out << version << "\n";
    }
    const std::string command =
        "while IFS= read -r v; do dpkg --validate-version -- \"$v\" "
        ">/dev/null 2>&1 && echo 1 || echo 0; done < '" +
        list.string() + "'";
    FILE* verdicts = ::popen(command.c_str(), "r");
    ASSERT_NE(verdicts, nullptr);
    size_t disagreements = 0;
    char verdict[8];
    for (const auto& version : versions) {
        ASSERT_NE(std::fgets(verdict, sizeof verdict, verdicts), nullptr);
        const bool dpkg_says_valid = verdict[0] == '1';
        if (dpkg_says_valid != dpkg_version_valid(version) && ++disagreements <= 10)
            ADD_FAILURE() << "'" << version << "': dpkg says "
                          << (dpkg_says_valid ? "valid" : "invalid");
    }
    ::pclose(verdicts);
    fs::remove(list);
    EXPECT_EQ(disagreements, 0u) << "of " << versions.size() << " versions";
}

TEST(DpkgStatus, DropsInvalidVersionsWithAWarning) {
    std::vector<std::string> warnings;
    const auto packages = parse_dpkg_status(
        "Package: invalidpkg\nStatus: install ok installed\nSource: invalidpkg-5 (5.#)\nVersion: "
        "1:5.#\n\n"
        "Package: good\nStatus: install ok installed\nVersion: 1.0\n",
        false, warnings);
    EXPECT_EQ(names(packages), std::vector<std::string>{"good"});
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("line 1"), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find("1:5.#"), std::string::npos) << warnings[0];
}

// ---------------------------------------------------------------------------------------------
// Syntax

TEST(DpkgStatus, ContinuationLinesAreNotFields) {
    const auto packages = parse(
        "Package: tzdata\nStatus: install ok installed\nDescription: time zone data\n"
        " Package: evil\n Version: 9.9\n .\n\tStatus: deinstall ok config-files\nVersion: "
        "2020a-0+deb10u1\n"
        "Conffiles:\n /etc/default/hwclock 3916544450533eca69131f894db0ca12\n");
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].name, "tzdata");
    EXPECT_EQ(packages[0].version, "2020a-0+deb10u1");
}

TEST(DpkgStatus, CrlfLineEndings) {
    const auto packages = parse(
        "Package: a\r\nStatus: install ok installed\r\nVersion: 1.0-1\r\nArchitecture: all\r\n\r\n"
        "Package: b\r\nStatus: install ok installed\r\nVersion: 2.0\r\n");
    ASSERT_EQ(packages.size(), 2u);
    EXPECT_EQ(packages[0].version, "1.0-1");
    EXPECT_EQ(packages[0].arch, "all");
    EXPECT_EQ(packages[1].version, "2.0");
}

TEST(DpkgStatus, LeadingEmptyStanzaAndBlankRunsAreSkipped) {
    std::vector<std::string> warnings;
    const auto packages = parse_dpkg_status(
        "Package:\n\n\n   \n\t\nPackage: a\nStatus: install ok installed\nVersion: 1\n\n\n", false,
        warnings);
    EXPECT_EQ(names(packages), std::vector<std::string>{"a"});
    EXPECT_EQ(warnings.size(), 1u);  // the nameless stanza
}

TEST(DpkgStatus, TruncatedInput) {
    const std::string whole =
        "Package: a\nStatus: install ok installed\nVersion: 1.2-3\n\nPackage: b\n"
        "Status: install ok installed\nVersion: 4.5";
    EXPECT_EQ(names(parse(whole)), (std::vector<std::string>{"a", "b"}));  // no final newline
    EXPECT_EQ(names(parse(whole.substr(0, whole.size() - 2))),
              (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(names(parse(whole.substr(0, whole.size() - 3))), std::vector<std::string>{"a"});
    EXPECT_EQ(names(parse(whole.substr(0, whole.size() - 10))), std::vector<std::string>{"a"});
    for (size_t cut = 0; cut <= whole.size(); ++cut) parse(whole.substr(0, cut));  // never crashes
    EXPECT_TRUE(parse("").empty());
}

TEST(DpkgStatus, FirstOfDuplicateFieldsWinsAndNamesAreCaseInsensitive) {
    const auto packages =
        parse("package: a\nSTATUS: install ok installed\nversion: 1.0\nVersion: 2.0\n");
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].version, "1.0");
}

// ---------------------------------------------------------------------------------------------
// Status

TEST(DpkgStatus, KeepsPackagesWhoseCurrentStateIsInstalled) {
    std::string text;
    for (const char* status :
         {"install ok installed", "deinstall reinstreq installed", "purge ok installed",
          "install ok triggers-pending", "deinstall ok config-files", "install ok unpacked",
          "install reinstreq half-installed", "install ok half-configured",
          "purge ok not-installed", "install ok"}) {
        std::string name = status;
        std::replace(name.begin(), name.end(), ' ', '_');
        text += "Package: " + name + "\nStatus: " + status + "\nVersion: 1.0\n\n";
    }
    text += "Package: no_status\nVersion: 1.0\n";
    EXPECT_EQ(names(parse(text)),
              (std::vector<std::string>{"install_ok_installed", "deinstall_reinstreq_installed",
                                        "purge_ok_installed", "install_ok_triggers-pending"}));
}

TEST(DpkgStatus, StatusDFilesNeedNoStatusField) {
    std::vector<std::string> warnings;
    const auto packages = parse_dpkg_status(
        "Package: foo\nVersion: 1.2.3\nArchitecture: amd64\n\n"
        "Package: bar\nStatus: deinstall ok config-files\nVersion: 1\n\n"
        "Package: no-version\n",
        true, warnings);
    ASSERT_EQ(names(packages), (std::vector<std::string>{"foo", "no-version"}));
    EXPECT_EQ(packages[1].version, "");
    EXPECT_EQ(warnings.size(), 1u);  // the missing version is still worth a note
}

// ---------------------------------------------------------------------------------------------
// Analyzer

TEST(DpkgAnalyzer, ReadsStatusAndStatusDWithTheirOwnedFiles) {
    const MemoryFileView files({
        {"var/lib/dpkg/status",
         "Package: tar\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.34+dfsg-1\n\n"
         "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\n"
         "Version: 2.36-9\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n"},
        {"var/lib/dpkg/info/tar.list",
         "/.\n/bin\n/bin/tar\n/usr\n/usr/share\n/usr/share/doc\n"
         "/usr/share/doc/tar\n/usr/share/doc/tar/NEWS.gz\n/usr/sbin/rmt-tar\n"},
        {"var/lib/dpkg/info/libc6:amd64.list", "/.\r\n/lib\r\n/lib/libc.so.6\r\n"},
        {"var/lib/dpkg/status.d/libsqlite3-0",
         "Package: libsqlite3-0\nSource: sqlite3\nVersion: 3.34.1-3\nArchitecture: arm64\n"},
        {"var/lib/dpkg/status.d/libsqlite3-0.md5sums",
         "0e3a0c5a5a3e2d2a6c0b8bb6e5c0b3a2  usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6\n"},
        {"var/lib/dpkg/status.d/libsqlite3-0.preinst", "#!/bin/sh\nset -e\n"},
        {"var/lib/dpkg/status.d/nested/ignored", "Package: x\nVersion: 1\n"},
    }, "sha256:layer");
    std::vector<std::string> warnings;
    const auto packages = DpkgAnalyzer().analyze(files, {}, warnings);
    ASSERT_EQ(names(packages), (std::vector<std::string>{"tar", "libc6", "libsqlite3-0"}));
    EXPECT_TRUE(warnings.empty());

    EXPECT_EQ(packages[0].path, "var/lib/dpkg/status");
    EXPECT_EQ(packages[0].layer, "sha256:layer");
    EXPECT_EQ(
        packages[0].installed_files,
        (std::vector<std::string>{"bin/tar", "usr/share/doc/tar/NEWS.gz", "usr/sbin/rmt-tar"}));
    EXPECT_EQ(packages[1].installed_files, std::vector<std::string>{"lib/libc.so.6"});

    EXPECT_EQ(packages[2].path, "var/lib/dpkg/status.d/libsqlite3-0");
    EXPECT_EQ(packages[2].source_name, "sqlite3");
    EXPECT_EQ(packages[2].installed_files,
              std::vector<std::string>{"usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6"});
}

TEST(DpkgAnalyzer, WarningsNameTheDatabase) {
    const MemoryFileView files(std::map<std::string, std::string>{
        {"var/lib/dpkg/status", "Package: x\nStatus: install ok installed\n"}},
        "sha256:layer");
    std::vector<std::string> warnings;
    EXPECT_TRUE(DpkgAnalyzer().analyze(files, {}, warnings).empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].rfind("var/lib/dpkg/status: line 1:", 0), 0u) << warnings[0];
}

TEST(DpkgAnalyzer, NoDatabaseNoPackages) {
    std::vector<std::string> warnings;
    EXPECT_TRUE(DpkgAnalyzer().analyze(MemoryFileView({}, "sha256:layer"), {}, warnings).empty());
    EXPECT_TRUE(warnings.empty());
}

}  // namespace
}  // namespace moat
