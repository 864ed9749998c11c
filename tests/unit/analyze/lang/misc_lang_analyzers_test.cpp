#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "../../support/memory_file_view.h"
#include "misc_lang_fixtures.h"

namespace moat {
namespace {

std::vector<std::unique_ptr<PackageAnalyzer>> all_analyzers() {
    std::vector<std::unique_ptr<PackageAnalyzer>> analyzers;
    analyzers.push_back(std::make_unique<GemfileLockAnalyzer>());
    analyzers.push_back(std::make_unique<GemspecAnalyzer>());
    analyzers.push_back(std::make_unique<ComposerLockAnalyzer>());
    analyzers.push_back(std::make_unique<ComposerInstalledAnalyzer>());
    analyzers.push_back(std::make_unique<NugetLockAnalyzer>());
    analyzers.push_back(std::make_unique<PackagesConfigAnalyzer>());
    analyzers.push_back(std::make_unique<DepsJsonAnalyzer>());
    return analyzers;
}

// A lock file bigger than its analyzer's cap is never read (the walker skips it with a
// warning): the caps must be set, and sane for files of that kind.
TEST(MiscLanguageAnalyzers, CapTheFilesTheyRead) {
    for (const auto& analyzer : all_analyzers()) {
        const auto interest = analyzer->interest();
        EXPECT_LE(interest.max_bytes, size_t{32} << 20) << analyzer->name();
        EXPECT_GE(interest.max_bytes, size_t{1} << 20) << analyzer->name();
        EXPECT_FALSE(interest.elf_executables) << analyzer->name();
        EXPECT_FALSE(interest.exact.empty() && interest.suffixes.empty()) << analyzer->name();
    }
}

// Damaged files of every kind side by side: each is a warning naming its path, good files
// beside them still count, and nothing throws.
TEST(MiscLanguageAnalyzers, DamagedFilesAreWarningsNamingTheFile) {
    const testing::MemoryFileView root({
        {"app/Gemfile.lock", "GEM\n  specs:\n    rack 2.2.4\n"},
        {"usr/local/bundle/specifications/x.gemspec", "\xff\xfe\x00\x00garbage"},
        {"app/composer.lock", "{\"packages\": [{\"name\": \"a/a\""},
        {"app/vendor/composer/installed.json",
         "\xef\xbb\xbf[{\"name\": \"b/b\", \"version\": \"1.0\"}]"},
        {"app/packages.lock.json", "{\"dependencies\": 5}"},
        {"app/packages.config", "<packages><package id=\"x\" /></packages>"},
        {"app/App.deps.json", std::string(1000, '[')},
    });
    std::vector<std::string> warnings;
    std::vector<Package> packages;
    for (const auto& analyzer : all_analyzers())
        for (auto& package : analyzer->analyze(root, {}, warnings)) packages.push_back(package);
    ASSERT_EQ(packages.size(), 1u);  // the installed.json behind its byte-order mark
    EXPECT_EQ(packages[0].name, "b/b");
    const std::vector<std::string> damaged = {
        "app/Gemfile.lock",    "usr/local/bundle/specifications/x.gemspec",
        "app/composer.lock",   "app/packages.lock.json",
        "app/packages.config", "app/App.deps.json"};
    for (const auto& path : damaged) {
        const bool named = std::any_of(
            warnings.begin(), warnings.end(),
            [&](const std::string& warning) { return warning.rfind(path + ": ", 0) == 0; });
        EXPECT_TRUE(named) << path;
    }
}

}  // namespace
}  // namespace moat
