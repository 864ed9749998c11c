#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../support/memory_file_view.h"
#include "analyze/lang/ruby/gemfile_lock.h"
#include "analyze/lang/ruby/gemspec.h"
#include "inventory/purl.h"
#include "misc_lang_fixtures.h"

namespace moat {
namespace {

TEST(RubyFixtures, EveryDefaultBundlerCaseMatchesThePeer) {
    testing::expect_misc_language_category_matches("bundler", "gem");
}

TEST(RubyFixtures, EveryDefaultGemspecCaseMatchesThePeer) {
    testing::expect_misc_language_category_matches("gemspec", "gem");
}

// ---------------------------------------------------------------------------------------------
// Gemfile.lock

std::vector<Package> parse_lock(std::string_view text) {
    std::vector<std::string> warnings;
    return parse_gemfile_lock(text, warnings);
}

constexpr std::string_view kPlatformLock =
    "GIT\n"
    "  remote: https://example.invalid/rails/turbolinks.git\n"
    "  revision: 80216ce9d89920bf073709405e3fce6d0a3ccd9a\n"
    "  specs:\n"
    "    turbolinks (3.0.0)\n"
    "      coffee-rails\n"
    "\n"
    "PATH\n"
    "  remote: .\n"
    "  specs:\n"
    "    myapp (0.1.0)\n"
    "      nokogiri (~> 1.13)\n"
    "\n"
    "GEM\n"
    "  remote: https://example.invalid/\n"
    "  specs:\n"
    "    ffi (1.15.5-x86_64-linux)\n"
    "    nokogiri (1.13.6)\n"
    "      racc (~> 1.4)\n"
    "    nokogiri (1.13.6-arm64-darwin)\n"
    "      racc (~> 1.4)\n"
    "    nokogiri (1.13.6-x86_64-linux)\n"
    "      racc (~> 1.4)\n"
    "    racc (1.6.0)\n"
    "    sorbet-static (0.5.10461-universal-darwin-21)\n"
    "\n"
    "PLATFORMS\n"
    "  arm64-darwin-21\n"
    "  x86_64-linux\n"
    "\n"
    "DEPENDENCIES\n"
    "  myapp!\n"
    "  nokogiri (~> 1.13)\n"
    "  turbolinks!\n"
    "\n"
    "CHECKSUMS\n"
    "  racc (1.6.0) sha256=0123456789abcdef\n"
    "\n"
    "RUBY VERSION\n"
    "   ruby 3.1.2p20\n"
    "\n"
    "BUNDLED WITH\n"
    "   2.3.7\n";

TEST(GemfileLock, SourcesAndPlatforms) {
    const auto packages = parse_lock(kPlatformLock);
    std::vector<std::string> seen;
    for (const auto& package : packages) {
        EXPECT_EQ(package.type, "gem");
        seen.push_back(package.name + "@" + package.version + "/" + package.arch);
    }
    // Bundler ends the version at the first '-': the rest is the platform. A gem listed for
    // several platforms is one package, without a platform since the lock does not pick one.
    EXPECT_EQ(seen, (std::vector<std::string>{"turbolinks@3.0.0/", "myapp@0.1.0/",
                                              "ffi@1.15.5/x86_64-linux", "nokogiri@1.13.6/",
                                              "racc@1.6.0/",
                                              "sorbet-static@0.5.10461/universal-darwin-21"}));
}

TEST(GemfileLock, PlatformIsThePurlPlatformQualifier) {
    const auto packages = parse_lock("GEM\n  specs:\n    nokogiri (1.13.6-x86_64-linux)\n");
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(package_url(packages[0], nullptr), "pkg:gem/nokogiri@1.13.6?platform=x86_64-linux");
}

TEST(GemfileLock, OnlySpecsOfSourceSectionsArePackages) {
    const auto packages = parse_lock(
        "GEM\n  remote: https://example.invalid/\n  specs:\n    rack (2.2.4)\n\n"
        "BAD-SECTION\n    bad-entry (5.5.5)\n      bad-dep (~> 2.6)\n\n"
        "GEM\n  remote: https://other.invalid/\n  specs:\n    rake (13.0.6)\n");
    ASSERT_EQ(packages.size(), 2u);
    EXPECT_EQ(packages[0].name, "rack");
    EXPECT_EQ(packages[1].name, "rake");
}

TEST(GemfileLock, CrlfAndMalformedEntries) {
    std::vector<std::string> warnings;
    const auto packages = parse_gemfile_lock(
        "GEM\r\n  remote: https://example.invalid/\r\n  specs:\r\n    rack (2.2.4)\r\n"
        "    broken entry\r\n    spaced name (1.0)\r\n    nover ()\r\n    puma (6.0.0)\r\n",
        warnings);
    ASSERT_EQ(packages.size(), 2u);
    EXPECT_EQ(packages[0].version, "2.2.4");
    EXPECT_EQ(packages[1].name, "puma");
    ASSERT_EQ(warnings.size(), 3u);
    EXPECT_EQ(warnings[0], "line 5: spec entry is not \"name (version)\"; skipped");
}

TEST(GemfileLock, TruncatedAndEmptyInput) {
    const std::string whole(kPlatformLock);
    for (size_t cut = 0; cut <= whole.size(); ++cut) parse_lock(whole.substr(0, cut));
    EXPECT_TRUE(parse_lock("").empty());
    EXPECT_TRUE(parse_lock("GEM\n  specs:\n    rack (2.2").empty());
}

TEST(GemfileLockAnalyzer, FindsLockFilesAnywhere) {
    const std::string lock = "GEM\n  specs:\n    rack (2.2.4)\n";
    const testing::MemoryFileView root(
        {{"Gemfile.lock", lock}, {"srv/app/Gemfile.lock", lock}, {"srv/app/NotGemfile.lock", lock}},
        "sha256:abc");
    std::vector<std::string> warnings;
    const auto packages = GemfileLockAnalyzer().analyze(root, {}, warnings);
    ASSERT_EQ(packages.size(), 2u);
    EXPECT_EQ(packages[0].path, "Gemfile.lock");
    EXPECT_EQ(packages[1].path, "srv/app/Gemfile.lock");
    EXPECT_EQ(packages[1].layer, "sha256:abc");
    const auto interest = GemfileLockAnalyzer().interest();
    EXPECT_EQ(interest.exact, std::vector<std::string>{"Gemfile.lock"});
    EXPECT_EQ(interest.suffixes, std::vector<std::string>{"/Gemfile.lock"});
    EXPECT_LT(interest.max_bytes, size_t{64} << 20);
}

// ---------------------------------------------------------------------------------------------
// gemspec

std::optional<Package> parse_spec(std::string_view text) {
    std::vector<std::string> warnings;
    return parse_gemspec(text, warnings);
}

TEST(Gemspec, RubyGemsOutputWithFreezeAndLicenseList) {
    const auto package = parse_spec(
        "# -*- encoding: utf-8 -*-\n"
        "# stub: nokogiri 1.15.4 x86_64-linux lib\n\n"
        "Gem::Specification.new do |s|\n"
        "  s.name = \"nokogiri\".freeze\n"
        "  s.version = \"1.15.4\"\n"
        "  s.platform = \"x86_64-linux\".freeze\n"
        "  s.required_rubygems_version = Gem::Requirement.new(\">= 0\".freeze) if s.respond_to? "
        ":required_rubygems_version=\n"
        "  s.licenses = [\"MIT\".freeze,\n"
        "                \"Apache-2.0\".freeze]\n"
        "  s.add_runtime_dependency(%q<racc>.freeze, [\"~> 1.4\"])\n"
        "end\n");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->type, "gem");
    EXPECT_EQ(package->name, "nokogiri");
    EXPECT_EQ(package->version, "1.15.4");
    EXPECT_EQ(package->arch, "x86_64-linux");
    EXPECT_EQ(package->licenses, (std::vector<std::string>{"MIT", "Apache-2.0"}));
}

TEST(Gemspec, OldRubyGemsPercentLiterals) {
    const auto package = parse_spec(
        "Gem::Specification.new do |s|\n"
        "  s.name = %q{rake}\n"
        "  s.version = \"0.8.7\"\n"
        "  s.platform = \"ruby\"\n"
        "  s.license = %q(MIT)\n"
        "end\n");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->name, "rake");
    EXPECT_EQ(package->version, "0.8.7");
    EXPECT_EQ(package->arch, "");  // "ruby" is the pure-Ruby platform
    EXPECT_EQ(package->licenses, std::vector<std::string>{"MIT"});
}

TEST(Gemspec, BlockVariableOtherThanS) {
    const auto package = parse_spec(
        "Gem::Specification.new do |spec|\n"
        "    spec.name    = 'async' # the name\n"
        "    spec.version = Gem::Version.new(\"1.25.0\")\n"
        "    s.name = \"not-this\"\n"
        "    spec.licenses = \"MIT\"\n"
        "end\n");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->name, "async");
    EXPECT_EQ(package->version, "1.25.0");
    EXPECT_EQ(package->licenses, std::vector<std::string>{"MIT"});  // RubyGems wraps a string
}

TEST(Gemspec, EscapesAndComparisonsAreNotAssignments) {
    const auto package = parse_spec(
        "Gem::Specification.new do |s|\n"
        "  s.name == \"compare\"\n"
        "  s.name = \"a\\u0062c\\x2Dd\"\n"
        "  s.version = \"2.0\"\n"
        "end\n");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->name, "abc-d");
}

TEST(Gemspec, NonLiteralVersionFallsBackToTheStubLine) {
    const auto package = parse_spec(
        "# stub: mygem 3.1.0 ruby lib\n"
        "Gem::Specification.new do |s|\n"
        "  s.name = \"mygem\"\n"
        "  s.version = MyGem::VERSION\n"
        "end\n");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->version, "3.1.0");
    EXPECT_EQ(package->arch, "");
}

TEST(Gemspec, InterpolationAndMissingFieldsAreRefused) {
    std::vector<std::string> warnings;
    EXPECT_FALSE(
        parse_gemspec("Gem::Specification.new do |s|\n  s.name = \"x#{1}\"\n"
                      "  s.version = \"1\"\nend\n",
                      warnings));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0], "no literal gem name and version; skipped");
    warnings.clear();
    EXPECT_FALSE(parse_gemspec("puts 'hello'\n", warnings));
    EXPECT_EQ(warnings.size(), 2u);
    EXPECT_FALSE(
        parse_spec("Gem::Specification.new do |s|\n  s.name = \"a b\"\n  s.version = \"1\"\n"));
}

TEST(Gemspec, TruncatedInputNeverCrashes) {
    const std::string whole =
        "# stub: a 1 ruby lib\nGem::Specification.new do |s|\n  s.name = %q{nested {braces}}\n"
        "  s.licenses = [\"MIT\".freeze, 'BSD'\n  ]\n  s.version = \"\\u{1F600}\"\nend\n";
    for (size_t cut = 0; cut <= whole.size(); ++cut) parse_spec(whole.substr(0, cut));
    const auto package = parse_spec(whole);
    ASSERT_TRUE(package);
    EXPECT_EQ(package->name, "a");  // "nested {braces}" has a space: not a gem name; the stub's
    EXPECT_EQ(package->licenses, (std::vector<std::string>{"MIT", "BSD"}));
}

TEST(GemspecAnalyzer, OnlyInstalledSpecifications) {
    EXPECT_TRUE(is_installed_gemspec_path("usr/local/bundle/specifications/rake-13.0.3.gemspec"));
    EXPECT_TRUE(is_installed_gemspec_path(
        "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"));
    EXPECT_TRUE(is_installed_gemspec_path("specifications/a-1.gemspec"));
    EXPECT_FALSE(is_installed_gemspec_path("srv/app/myapp.gemspec"));
    EXPECT_FALSE(is_installed_gemspec_path("srv/myspecifications/a.gemspec"));
    EXPECT_FALSE(is_installed_gemspec_path("usr/local/bundle/specifications/readme.txt"));

    const std::string spec =
        "Gem::Specification.new do |s|\n  s.name = \"rake\"\n  s.version = \"13.0.3\"\nend\n";
    const testing::MemoryFileView root(
        {{"usr/local/bundle/specifications/rake-13.0.3.gemspec", spec},
         {"srv/app/rake.gemspec", spec},
         {"usr/local/bundle/specifications/bad.gemspec", "junk"}});
    std::vector<std::string> warnings;
    const auto packages = GemspecAnalyzer().analyze(root, {}, warnings);
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].path, "usr/local/bundle/specifications/rake-13.0.3.gemspec");
    ASSERT_FALSE(warnings.empty());
    EXPECT_EQ(warnings[0].rfind("usr/local/bundle/specifications/bad.gemspec: ", 0), 0u)
        << warnings[0];
}

}  // namespace
}  // namespace moat
