#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "../support/dir_file_view.h"
#include "../support/fixture_cases.h"
#include "analyze/pkg/apk_analyzer.h"

namespace moat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<Package> parse(std::string_view text) {
    std::vector<std::string> warnings;
    return parse_apk_installed(text, warnings);
}

// ---------------------------------------------------------------------------------------------
// Every case in shared/fixtures/apk, found at run time. apk versions are compared verbatim.

std::string mismatch(const json& expected, const std::vector<Package>& got) {
    std::map<std::pair<std::string, std::string>, const Package*> found;
    for (const auto& package : got) found[{package.name, package.version}] = &package;
    // osv-scalibr reports the raw L: string; Trivy and Syft normalise licenses their own way.
    const bool raw_licenses = expected.value("peer", "") == "osv-scalibr";
    std::string problems;
    for (const auto& want : expected["packages"]) {
        const std::string name = want.value("name", ""), version = want.value("version", "");
        const auto it = found.find({name, version});
        if (it == found.end()) {
            problems += " missing " + name + "@" + version + ";";
            continue;
        }
        const Package& package = *it->second;
        auto check = [&](const char* field, const auto& ours, const auto& theirs) {
            if (ours != theirs) problems += " " + name + " " + field + " differs;";
        };
        if (want.contains("arch")) check("arch", package.arch, want["arch"].get<std::string>());
        if (want.contains("src_name"))
            check("origin", package.source_name, want["src_name"].get<std::string>());
        if (want.contains("src_version"))
            check("source version", package.source_version, want["src_version"].get<std::string>());
        if (want.contains("maintainer"))
            check("maintainer", package.maintainer, want["maintainer"].get<std::string>());
        if (raw_licenses && want.contains("licenses"))
            check("licenses", package.licenses, want["licenses"].get<std::vector<std::string>>());
        if (want.contains("installed_files"))
            check("installed files", package.installed_files,
                  want["installed_files"].get<std::vector<std::string>>());
    }
    if (expected.value("complete", false) && got.size() != expected["packages"].size())
        problems += " found " + std::to_string(got.size()) + " packages, expected exactly " +
                    std::to_string(expected["packages"].size()) + ";";
    return problems;
}

TEST(ApkFixtures, EveryDefaultCaseMatchesThePeer) {
    testing::expect_default_fixture_cases_match(
        "apk", [](const fs::path& dir, const json& expected) {
            std::vector<std::string> warnings;
            return mismatch(expected,
                            ApkAnalyzer().analyze(testing::DirFileView(dir / "input"), {}, warnings));
        });
}

// ---------------------------------------------------------------------------------------------
// Parser

constexpr std::string_view kBusybox =
    "C:Q1xOlCsdvx4O0gnKWoFCNKjz2quRE=\n"
    "P:busybox-binsh\nV:1.36.1-r15\nA:x86_64\nL:GPL-2.0-only AND MIT\no:busybox\n"
    "m:Sören Tempel <soeren+alpine@soeren-tempel.net>\n"
    "D:busybox=1.36.1-r15\np:/bin/sh cmd:sh=1.36.1-r15\n"
    "R:top-level\nF:bin\nR:sh\na:0:0:777\nZ:Q1pcfTfDNEbNKQc2s1tia7da05M8Q=\n"
    "F:etc/network/if-up.d\nF:etc\nR:securetty\n";

TEST(ApkInstalled, ReadsFieldsAndOwnedFiles) {
    const auto packages = parse(kBusybox);
    ASSERT_EQ(packages.size(), 1u);
    const auto& package = packages[0];
    EXPECT_EQ(package.type, "apk");
    EXPECT_EQ(package.name, "busybox-binsh");
    EXPECT_EQ(package.version, "1.36.1-r15");
    EXPECT_EQ(package.arch, "x86_64");
    EXPECT_EQ(package.source_name, "busybox");
    EXPECT_EQ(package.source_version, "1.36.1-r15");
    EXPECT_EQ(package.licenses, std::vector<std::string>{"GPL-2.0-only AND MIT"});
    EXPECT_EQ(package.maintainer, "Sören Tempel <soeren+alpine@soeren-tempel.net>");
    EXPECT_EQ(package.installed_files,
              (std::vector<std::string>{"top-level", "bin/sh", "etc/securetty"}));
}

TEST(ApkInstalled, OriginDefaultsToTheName) {
    const auto packages = parse("P:musl\nV:1.2.4_git20230717-r4\n");
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].source_name, "musl");
    EXPECT_TRUE(packages[0].licenses.empty());
}

TEST(ApkInstalled, StanzaWithoutVersionIsDroppedWithAWarning) {
    std::vector<std::string> warnings;
    const auto packages = parse_apk_installed(
        "P:musl\nV:1.1.14-r10\n\nP:invalidPackageWithoutAVersion\n\n\nP:zlib\nV:1.2.8-r2\n",
        warnings);
    ASSERT_EQ(packages.size(), 2u);
    EXPECT_EQ(packages[1].name, "zlib");
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("line 4: package invalidPackageWithoutAVersion"), std::string::npos)
        << warnings[0];
}

TEST(ApkInstalled, CrlfAndWhitespaceSeparators) {
    const auto packages = parse("P:a\r\nV:1.0-r0\r\nF:usr/bin\r\nR:a\r\n \r\nP:b\r\nV:2.0-r1\r\n");
    ASSERT_EQ(packages.size(), 2u);
    EXPECT_EQ(packages[0].version, "1.0-r0");
    EXPECT_EQ(packages[0].installed_files, std::vector<std::string>{"usr/bin/a"});
    EXPECT_EQ(packages[1].version, "2.0-r1");
}

TEST(ApkInstalled, TruncatedInput) {
    const std::string whole(kBusybox);
    EXPECT_EQ(parse(whole.substr(0, whole.find("V:") + 6))[0].version, "1.36");
    for (size_t cut = 0; cut <= whole.size(); ++cut) parse(whole.substr(0, cut));  // never crashes
    EXPECT_TRUE(parse("").empty());
    EXPECT_TRUE(parse("P:").empty());
}

// ---------------------------------------------------------------------------------------------
// Analyzer

TEST(ApkAnalyzer, PackagesRememberTheirDatabase) {
    const auto root = fs::temp_directory_path() / ("moat-apk-" + std::to_string(::getpid()));
    fs::create_directories(root / "lib/apk/db");
    std::ofstream(root / "lib/apk/db/installed") << "P:a\nV:1.0-r0\n\nP:b\n";
    std::vector<std::string> warnings;
    const auto packages = ApkAnalyzer().analyze(moat::testing::DirFileView(root), {}, warnings);
    fs::remove_all(root);
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].path, "lib/apk/db/installed");
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].rfind("lib/apk/db/installed: line 4:", 0), 0u) << warnings[0];
    EXPECT_TRUE(ApkAnalyzer().interest().exact == std::vector<std::string>{"lib/apk/db/installed"});
}

}  // namespace
}  // namespace moat
