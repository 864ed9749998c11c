#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../support/memory_file_view.h"
#include "analyze/lang/php/composer.h"
#include "misc_lang_fixtures.h"

namespace moat {
namespace {

std::vector<std::string> describe(const std::vector<Package>& packages) {
    std::vector<std::string> out;
    for (const auto& package : packages)
        out.push_back(package.name + "@" + package.version + (package.dev ? " dev" : ""));
    return out;
}

TEST(PhpFixtures, EveryDefaultComposerCaseMatchesThePeer) {
    // Syft's composer.lock parser never reads "packages-dev"; Trivy's reports them with
    // dev = true, and so does moat.
    testing::expect_misc_language_category_matches("composer", "composer",
                                                   {"syft-parse-composer-file-lock"});
}

TEST(PhpFixtures, DevPackagesSyftLeavesOutAreMarkedDev) {
    std::vector<std::string> warnings;
    const testing::DirFileView root(testing::shared_dir() /
                                    "fixtures/composer/syft-parse-composer-file-lock/input");
    const auto packages = testing::misc_language_packages(root, warnings);
    EXPECT_EQ(describe(packages),
              (std::vector<std::string>{
                  "adoy/fastcgi-client@1.0.2", "alcaeus/mongo-php-adapter@1.1.11",
                  "behat/gherkin@v4.6.2 dev", "codeception/codeception@4.1.6 dev"}));
}

// ---------------------------------------------------------------------------------------------
// composer.lock

TEST(ComposerLock, ProductionWinsOverDevAndVersionsStayVerbatim) {
    std::vector<std::string> warnings;
    const auto packages = parse_composer_lock(R"({
        "_readme": ["This file locks the dependencies of your project to a known state"],
        "content-hash": "746ba78c06aef0cf954135ea909f9eb9",
        "packages": [
            {"name": "symfony/console", "version": "v6.3.4", "license": ["MIT"],
             "require": {"php": ">=8.1"}, "authors": [{"name": "Fabien Potencier"}]},
            {"name": "monolog/monolog", "version": "3.4.0", "license": "MIT"}
        ],
        "packages-dev": [
            {"name": "phpunit/phpunit", "version": "10.3.5", "license": ["BSD-3-Clause"]},
            {"name": "monolog/monolog", "version": "3.4.0"}
        ],
        "aliases": [], "minimum-stability": "stable"
    })",
                                              warnings);
    EXPECT_EQ(describe(packages),
              (std::vector<std::string>{"symfony/console@v6.3.4", "monolog/monolog@3.4.0",
                                        "phpunit/phpunit@10.3.5 dev"}));
    EXPECT_EQ(packages[0].type, "composer");
    EXPECT_EQ(packages[0].licenses, std::vector<std::string>{"MIT"});
    EXPECT_EQ(packages[1].licenses, std::vector<std::string>{"MIT"});
    EXPECT_TRUE(warnings.empty());
}

TEST(ComposerLock, LicenseStringsAreSplit) {
    std::vector<std::string> warnings;
    const auto packages = parse_composer_lock(R"json({"packages": [
        {"name": "a/a", "version": "1.0", "license": "MIT or BSD-2-Clause"},
        {"name": "b/b", "version": "1.0", "license": "(LGPL-2.1-only OR GPL-3.0-or-later)"},
        {"name": "c/c", "version": "1.0", "license": "MIT, Apache-2.0"},
        {"name": "d/d", "version": "1.0", "license": [null, "", "proprietary"]}
    ]})json",
                                              warnings);
    ASSERT_EQ(packages.size(), 4u);
    EXPECT_EQ(packages[0].licenses, (std::vector<std::string>{"MIT", "BSD-2-Clause"}));
    EXPECT_EQ(packages[1].licenses,
              (std::vector<std::string>{"LGPL-2.1-only", "GPL-3.0-or-later"}));
    EXPECT_EQ(packages[2].licenses, (std::vector<std::string>{"MIT", "Apache-2.0"}));
    EXPECT_EQ(packages[3].licenses, std::vector<std::string>{"proprietary"});
}

TEST(ComposerLock, DamagedInputIsAWarning) {
    std::vector<std::string> warnings;
    EXPECT_TRUE(parse_composer_lock(R"({"packages": [{"name": "a/a", "version": "1.0"})", warnings)
                    .empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].rfind("not valid JSON (error at byte", 0), 0u) << warnings[0];

    warnings.clear();
    const auto packages = parse_composer_lock(
        R"({"packages": [{"name": "a/a"}, {"version": "1"}, 7, {"name": "b/b", "version": 2},
                         {"name": "c/c", "version": "1.0"}], "packages-dev": {"x": 1}})",
        warnings);
    EXPECT_EQ(describe(packages), std::vector<std::string>{"c/c@1.0"});
    EXPECT_EQ(warnings.size(), 5u);

    warnings.clear();
    EXPECT_TRUE(parse_composer_lock("[1, 2]", warnings).empty());
    EXPECT_TRUE(parse_composer_lock("\xff\xfe garbage", warnings).empty());
    EXPECT_TRUE(
        parse_composer_lock(R"({"packages": [{"name": "a\xff", "version": "1"}]})", warnings)
            .empty());
    EXPECT_EQ(warnings.size(), 3u);
}

TEST(ComposerLock, DeepNestingIsRefusedBeforeParsing) {
    std::vector<std::string> warnings;
    const std::string deep = R"({"packages": [{"name": "a/a", "version": "1", "extra": )" +
                             std::string(100000, '[') + std::string(100000, ']') + "}]}";
    EXPECT_TRUE(parse_composer_lock(deep, warnings).empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0], "JSON nested deeper than 64 levels; not read");
    // Brackets inside strings are text, not nesting.
    warnings.clear();
    const std::string quoted = R"({"packages": [{"name": "a/a", "version": "1", "description": ")" +
                               std::string(1000, '[') + R"(\"["}]})";
    EXPECT_EQ(parse_composer_lock(quoted, warnings).size(), 1u);
    EXPECT_TRUE(warnings.empty());
}

// ---------------------------------------------------------------------------------------------
// vendor/composer/installed.json

TEST(ComposerInstalled, Composer2ObjectWithDevNames) {
    std::vector<std::string> warnings;
    const auto packages = parse_composer_installed(R"({
        "packages": [
            {"name": "psr/log", "version": "3.0.0", "version_normalized": "3.0.0.0",
             "type": "library", "install-path": "../psr/log", "license": ["MIT"]},
            {"name": "phpunit/phpunit", "version": "10.3.5", "install-path": "../phpunit/phpunit"}
        ],
        "dev": true,
        "dev-package-names": ["phpunit/phpunit"]
    })",
                                                   warnings);
    EXPECT_EQ(describe(packages),
              (std::vector<std::string>{"psr/log@3.0.0", "phpunit/phpunit@10.3.5 dev"}));
    EXPECT_EQ(packages[0].licenses, std::vector<std::string>{"MIT"});
    EXPECT_TRUE(warnings.empty());
}

TEST(ComposerInstalled, Composer1Array) {
    std::vector<std::string> warnings;
    const auto packages = parse_composer_installed(R"([
        {"name": "guzzlehttp/guzzle", "version": "6.5.8", "version_normalized": "6.5.8.0",
         "license": ["MIT"], "installation-source": "dist"},
        {"name": "symfony/polyfill-php72", "version": "v1.27.0", "license": "MIT or BSD-2-Clause"}
    ])",
                                                   warnings);
    EXPECT_EQ(describe(packages), (std::vector<std::string>{"guzzlehttp/guzzle@6.5.8",
                                                            "symfony/polyfill-php72@v1.27.0"}));
    EXPECT_EQ(packages[1].licenses, (std::vector<std::string>{"MIT", "BSD-2-Clause"}));
    EXPECT_TRUE(warnings.empty());
}

TEST(ComposerAnalyzers, PathsAndLayers) {
    const std::string lock = R"({"packages": [{"name": "a/a", "version": "1.0"}]})";
    const std::string installed = R"({"packages": [{"name": "b/b", "version": "2.0"}]})";
    const testing::MemoryFileView root({{"composer.lock", lock},
                                        {"var/www/app/composer.lock", lock},
                                        {"var/www/app/vendor/composer/installed.json", installed},
                                        {"vendor/composer/installed.json", installed},
                                        {"var/www/app/installed.json", installed}},
                                       "sha256:layer");
    std::vector<std::string> warnings;
    const auto locked = ComposerLockAnalyzer().analyze(root, {}, warnings);
    ASSERT_EQ(locked.size(), 2u);
    EXPECT_EQ(locked[1].path, "var/www/app/composer.lock");
    EXPECT_EQ(locked[1].layer, "sha256:layer");
    const auto vendored = ComposerInstalledAnalyzer().analyze(root, {}, warnings);
    ASSERT_EQ(vendored.size(), 2u);
    EXPECT_EQ(vendored[0].path, "var/www/app/vendor/composer/installed.json");
    EXPECT_EQ(vendored[1].path, "vendor/composer/installed.json");
    EXPECT_TRUE(warnings.empty());
    EXPECT_EQ(ComposerInstalledAnalyzer().interest().suffixes,
              std::vector<std::string>{"/vendor/composer/installed.json"});
}

}  // namespace
}  // namespace moat
