#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "../../support/dir_file_view.h"
#include "../../support/fixture_cases.h"
#include "analyze/lang/javascript/yarn_lock.h"

namespace moat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using NameVersions = std::set<std::pair<std::string, std::string>>;

NameVersions name_versions(const std::vector<Package>& packages) {
    NameVersions out;
    for (const auto& package : packages) out.emplace(package.name, package.version);
    return out;
}

std::vector<Package> parse(std::string_view text) {
    std::vector<std::string> warnings;
    return parse_yarn_lock(text, warnings);
}

// ---------------------------------------------------------------------------------------------
// Every case in shared/fixtures/yarn, found at run time.

TEST(YarnLockFixtures, EveryDefaultCaseMatchesThePeer) {
    testing::expect_default_fixture_cases_match(
        "yarn", [](const fs::path& dir, const json& expected) {
            std::vector<std::string> warnings;
            const auto got =
                YarnLockAnalyzer().analyze(testing::DirFileView(dir / "input"), {}, warnings);
            NameVersions want;
            for (const auto& package : expected["packages"])
                want.emplace(package.value("name", ""), package.value("version", ""));
            const auto found = name_versions(got);
            std::string problems;
            for (const auto& [name, version] : want)
                if (!found.contains({name, version})) problems += " missing " + name + "@" + version + ";";
            for (const auto& [name, version] : found)
                if (!want.contains({name, version}) && expected.value("complete", false))
                    problems += " unexpected " + name + "@" + version + ";";
            if (found.size() != got.size()) problems += " a name@version reported twice;";
            for (const auto& package : got) {
                if (package.type != "npm") problems += " " + package.name + " is not npm;";
                if (package.path != "yarn.lock") problems += " " + package.name + " path " + package.path + ";";
            }
            return problems;
        });
}

// ---------------------------------------------------------------------------------------------
// Classic (v1)

TEST(YarnLockClassic, OneEntryCoversSeveralRangesAndScopedNames) {
    const auto packages = parse(
        "# yarn lockfile v1\n\n\n"
        "\"@babel/code-frame@^7.0.0\", \"@babel/code-frame@^7.10.4\":\n"
        "  version \"7.10.4\"\n"
        "  resolved \"https://registry.example/@babel/code-frame/-/code-frame-7.10.4.tgz#168d\"\n"
        "  dependencies:\n"
        "    \"@babel/highlight\" \"^7.10.4\"\n\n"
        "lodash@4.17.11, lodash@^4.0.1:\n"
        "  version \"4.17.11\"\n");
    EXPECT_EQ(name_versions(packages),
              (NameVersions{{"@babel/code-frame", "7.10.4"}, {"lodash", "4.17.11"}}));
}

TEST(YarnLockClassic, DependencyLinesAreNotFieldsOfTheEntry) {
    // "version" one level deeper is a dependency called version, not the entry's version.
    const auto packages = parse(
        "a@^1:\n"
        "  dependencies:\n"
        "    version \"9.9.9\"\n"
        "  version \"1.2.3\"\n");
    EXPECT_EQ(name_versions(packages), (NameVersions{{"a", "1.2.3"}}));
}

TEST(YarnLockClassic, QuotedFieldNamesAreRead) {
    EXPECT_EQ(name_versions(parse("\"jquery@^3.6.0\":\n  \"resolved\" \"x\"\n  \"version\" \"3.6.0\"\n")),
              (NameVersions{{"jquery", "3.6.0"}}));
}

TEST(YarnLockClassic, LocalAndUnknownProtocolsAreNotPackages) {
    std::vector<std::string> warnings;
    const auto packages = parse_yarn_lock(
        "asap@unsupported:~2.0.6:\n  version \"2.0.6\"\n\n"
        "\"local@file:vendor/local.tar.gz\":\n  version \"0.0.1\"\n\n"
        "\"linked@link:../linked\":\n  version \"0.0.0\"\n\n"
        "jquery@^3.4.1:\n  version \"3.4.1\"\n",
        warnings);
    EXPECT_EQ(name_versions(packages), (NameVersions{{"jquery", "3.4.1"}}));
    ASSERT_EQ(warnings.size(), 1u);  // only the unknown protocol is worth a word
    EXPECT_NE(warnings[0].find("unsupported"), std::string::npos);
}

TEST(YarnLockClassic, GitUrlDependenciesAreKept) {
    EXPECT_EQ(name_versions(parse("\"should-type@https://github.com/shouldjs/type.git#1.3.0\":\n"
                                  "  version \"1.3.0\"\n")),
              (NameVersions{{"should-type", "1.3.0"}}));
}

TEST(YarnLockClassic, TheRegistryTarballNamesThePackageInstalled) {
    // An npm alias and a fork published under a scope: the tarball says what was fetched.
    const auto packages = parse(
        "\"string-width-cjs@npm:string-width@^4.2.0\":\n"
        "  version \"4.2.3\"\n"
        "  resolved \"https://registry.example/string-width/-/string-width-4.2.3.tgz#e7\"\n\n"
        "resize-observer-polyfill@^1.5.1:\n"
        "  name \"resize-observer-polyfill\"\n"
        "  version \"1.5.2\"\n"
        "  resolved \"https://registry.example/@4lolo/resize-observer-polyfill/-/"
        "resize-observer-polyfill-1.5.2.tgz#5886\"\n\n"
        "\"other-cjs@npm:other@^1\":\n"
        "  version \"1.0.0\"\n");
    EXPECT_EQ(name_versions(packages),
              (NameVersions{{"string-width", "4.2.3"},
                            {"@4lolo/resize-observer-polyfill", "1.5.2"},
                            {"other", "1.0.0"}}));
}

TEST(YarnLockClassic, AnEntryWithoutVersionIsSkippedWithAWarning) {
    std::vector<std::string> warnings;
    const auto packages = parse_yarn_lock("a@^1:\n  resolved \"x\"\n\nb@^2:\n  version \"2.0.0\"\n", warnings);
    EXPECT_EQ(name_versions(packages), (NameVersions{{"b", "2.0.0"}}));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("line 1"), std::string::npos);
}

TEST(YarnLockClassic, WindowsLineEndingsAndDuplicatesAreHandled) {
    const auto packages = parse("atob@^2.1.2:\r\n  version \"2.1.2\"\r\n\r\natob@^2.1.2:\r\n  version \"2.1.2\"\r\n");
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].version, "2.1.2");
    EXPECT_EQ(packages[0].type, "npm");
    EXPECT_FALSE(packages[0].dev);
}

// ---------------------------------------------------------------------------------------------
// Berry (v2+)

constexpr std::string_view kBerry =
    "__metadata:\n  version: 6\n  cacheKey: 8\n\n"
    "\"assert-plus@npm:1.0.0, assert-plus@npm:^1.0.0\":\n"
    "  version: 1.0.0\n"
    "  resolution: \"assert-plus@npm:1.0.0\"\n"
    "  languageName: node\n  linkType: hard\n\n"
    "\"code@workspace:.\":\n"
    "  version: 0.0.0-use.local\n"
    "  resolution: \"code@workspace:.\"\n"
    "  dependencies:\n    async: ^3.2.0\n"
    "  languageName: unknown\n  linkType: soft\n\n"
    "\"fsevents@patch:fsevents@~2.1.2#builtin<compat/fsevents>\":\n"
    "  version: 2.1.3\n"
    "  resolution: \"fsevents@patch:fsevents@npm%3A2.1.3#builtin<compat/fsevents>::version=2.1.3\"\n\n"
    "\"string-width-cjs@npm:string-width@^4.2.0\":\n"
    "  version: 4.2.3\n"
    "  resolution: \"string-width@npm:4.2.3\"\n\n"
    "\"@types/qs@npm:6.9.4\":\n"
    "  version: 6.9.4\n"
    "  resolution: \"@types/qs@npm:6.9.4\"\n";

TEST(YarnLockBerry, PackagesComeFromResolutionsNotWorkspacesOrPatches) {
    std::vector<std::string> warnings;
    const auto packages = parse_yarn_lock(kBerry, warnings);
    EXPECT_EQ(name_versions(packages), (NameVersions{{"assert-plus", "1.0.0"},
                                                     {"string-width", "4.2.3"},
                                                     {"@types/qs", "6.9.4"}}));
    EXPECT_TRUE(warnings.empty());
}

TEST(YarnLockBerry, AWorkspaceWithItsOwnVersionIsReported) {
    // Syft lists a versioned workspace (like npm's root project); an unversioned one is only
    // the checkout and stays out, as Trivy has it.
    EXPECT_EQ(name_versions(parse("\"app@workspace:.\":\n  version: 7.7.7\n"
                                  "  resolution: \"app@workspace:.\"\n")),
              (NameVersions{{"app", "7.7.7"}}));
}

// ---------------------------------------------------------------------------------------------
// Hostile input

TEST(YarnLockHostile, GarbageNeverCrashesAndWarningsStayFew) {
    std::string text;
    for (int i = 0; i < 10000; ++i) text += "@@@:\n  version \"\n\"\":\n  version\n:\n";
    std::vector<std::string> warnings;
    const auto packages = parse_yarn_lock(text, warnings);
    EXPECT_TRUE(packages.empty());
    EXPECT_LE(warnings.size(), 20u);
}

TEST(YarnLockAnalyzerTest, FindsLockFilesAnywhereAndBoundsTheirSize) {
    const auto interest = YarnLockAnalyzer().interest();
    EXPECT_EQ(interest.exact, std::vector<std::string>{"yarn.lock"});
    EXPECT_EQ(interest.suffixes, std::vector<std::string>{"/yarn.lock"});
    EXPECT_LE(interest.max_bytes, 64ull << 20);

    testing::MemoryFileView view(std::map<std::string, std::string>{
        {"app/yarn.lock", "a@^1:\n  version \"1.0.0\"\n"},
        {"app/not-yarn.lock", "b@^1:\n  version \"1.0.0\"\n"}});
    std::vector<std::string> warnings;
    const auto packages = YarnLockAnalyzer().analyze(view, {}, warnings);
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].path, "app/yarn.lock");
}

}  // namespace
}  // namespace moat
