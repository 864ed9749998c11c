// The matcher on application packages, against a database imported with the real updater
// from the language ecosystems of ../shared/vulndb (npm, PyPI, Go, Maven, crates.io, RubyGems,
// Packagist, NuGet): ecosystem by package type, registry name normalisation, each ecosystem's
// version order, Go's stdlib, and malicious-package advisories.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "vulndb/matcher.h"
#include "vulndb/osv_import.h"
#include "vulndb/updater.h"

namespace moat {
namespace {

namespace fs = std::filesystem;

Package app(std::string type, std::string name, std::string version) {
    Package p;
    p.type = std::move(type);
    p.name = std::move(name);
    p.version = std::move(version);
    return p;
}

class LanguageMatcher : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const fs::path shared = fs::path(MOAT_SHARED_DIR) / "vulndb";
        if (!fs::exists(shared / "npm/all.zip")) return;
        root_ = new fs::path(fs::temp_directory_path() / ("moat-language-matcher-" + std::to_string(::getpid())));
        fs::remove_all(*root_);
        const fs::path source = *root_ / "source";
        fs::create_directories(source);
        std::ofstream list(source / "ecosystems.txt");
        for (const char* ecosystem : {"npm", "PyPI", "Go", "Maven", "crates.io", "RubyGems", "Packagist", "NuGet"}) {
            list << ecosystem << "\n";
            fs::create_directories(source / ecosystem);
            fs::create_symlink(shared / ecosystem / "all.zip", source / ecosystem / "all.zip");
        }
        list.close();
        UpdateOptions options;
        options.source = source.string();
        options.db_path = *root_ / "db";
        options.progress = false;
        auto stats = update_database(options);
        if (!stats.ok()) {
            error_ = new std::string("update: " + stats.error().message);
            return;
        }
        auto db = VulnDatabase::open(options.db_path);
        if (!db.ok()) {
            error_ = new std::string("open: " + db.error().message);
            return;
        }
        db_ = db->release();
    }
    static void TearDownTestSuite() {
        delete db_;
        db_ = nullptr;
        delete error_;
        error_ = nullptr;
        if (root_) fs::remove_all(*root_);
        delete root_;
        root_ = nullptr;
    }
    void SetUp() override {
        if (error_) FAIL() << *error_;
        if (!db_) GTEST_SKIP() << "no ../shared/vulndb";
    }

    // Findings for one package, with no OS known.
    static std::vector<VulnerabilityFinding> match(const Package& package) {
        return Matcher(*db_).match({package}, std::nullopt);
    }
    static const VulnerabilityFinding* find(const std::vector<VulnerabilityFinding>& findings, const std::string& id) {
        for (const auto& finding : findings)
            if (finding.id == id) return &finding;
        return nullptr;
    }
    static std::set<std::string> ids(const std::vector<VulnerabilityFinding>& findings) {
        std::set<std::string> out;
        for (const auto& finding : findings) out.insert(finding.id);
        return out;
    }

    static fs::path* root_;
    static VulnDatabase* db_;
    static std::string* error_;
};

fs::path* LanguageMatcher::root_ = nullptr;
VulnDatabase* LanguageMatcher::db_ = nullptr;
std::string* LanguageMatcher::error_ = nullptr;

TEST_F(LanguageMatcher, NpmLodash) {
    auto findings = match(app("npm", "lodash", "4.17.15"));
    // GHSA-p6mc-m468-83gw (fixed 4.17.20), GHSA-29mw-wpgm-hmr9 and GHSA-35jh-r3h4-6jhm (4.17.21),
    // GHSA-xxjr-mmjv-4gpg (4.0.0 to 4.17.23).
    EXPECT_EQ(ids(findings),
              (std::set<std::string>{"CVE-2020-8203", "CVE-2020-28500", "CVE-2021-23337", "CVE-2025-13465"}));
    const auto* prototype_pollution = find(findings, "CVE-2020-8203");
    ASSERT_NE(prototype_pollution, nullptr);
    EXPECT_EQ(prototype_pollution->fixed_version, "4.17.20");
    EXPECT_EQ(prototype_pollution->status, FixStatus::Fixed);
    EXPECT_EQ(prototype_pollution->severity, static_cast<int>(Severity::High));  // GHSA's own rating
    EXPECT_EQ(prototype_pollution->severity_source, "ghsa");
    EXPECT_EQ(prototype_pollution->aliases, std::vector<std::string>{"GHSA-p6mc-m468-83gw"});
    EXPECT_FALSE(prototype_pollution->malicious);
    EXPECT_EQ(findings.front().severity, static_cast<int>(Severity::High));  // worst first

    // 4.17.21 fixes all three; 4.17.22 is still in GHSA-xxjr-mmjv-4gpg (4.0.0 to 4.17.23).
    EXPECT_EQ(ids(match(app("npm", "lodash", "4.17.22"))), std::set<std::string>{"CVE-2025-13465"});
    EXPECT_TRUE(match(app("npm", "lodash", "4.17.23")).empty());
    EXPECT_TRUE(match(app("npm", "Lodash", "4.17.15")).empty());  // npm names are exact
}

TEST_F(LanguageMatcher, NoOsIsNeededAndOsPackagesStillNeedOne) {
    Package deb = app("deb", "openssl", "3.0.11-1~deb12u2");
    std::vector<Package> packages = {deb, app("npm", "lodash", "4.17.20")};
    auto findings = Matcher(*db_).match(packages, std::nullopt);
    ASSERT_FALSE(findings.empty());
    for (const auto& finding : findings) EXPECT_EQ(finding.package.type, "npm");
    // With an OS the language packages are matched all the same.
    EXPECT_EQ(ids(Matcher(*db_).match(packages, OsInfo{"debian", "12.4"})), ids(findings));
}

TEST_F(LanguageMatcher, PyPINamesAreNormalised) {
    // The PYSEC records name "django" and "pyyaml"; installed metadata says "Django", "PyYAML".
    auto django = match(app("pypi", "Django", "1.0.4"));
    EXPECT_NE(find(django, "CVE-2007-5712"), nullptr);
    EXPECT_EQ(find(django, "CVE-2007-5712")->fixed_version, "1.1");
    EXPECT_EQ(find(django, "CVE-2007-5712")->aliases, std::vector<std::string>{"PYSEC-2007-1"});

    auto yaml = match(app("pypi", "PyYAML", "5.3"));
    EXPECT_NE(find(yaml, "CVE-2020-14343"), nullptr);  // PYSEC-2021-142: fixed 5.4
    EXPECT_NE(find(yaml, "CVE-2020-1747"), nullptr);   // PYSEC-2020-96: 5.1 to 5.3.1
    EXPECT_EQ(find(yaml, "CVE-2019-20477"), nullptr);  // PYSEC-2020-176: 5.1 to 5.2b1
    EXPECT_EQ(find(yaml, "CVE-2017-18342"), nullptr);  // PYSEC-2018-49: fixed 5.1
    // PEP 440: 5.2b1 is before 5.2, so 5.2b1 is fixed for PYSEC-2020-176 and 5.1.2 is not.
    EXPECT_NE(find(match(app("pypi", "pyyaml", "5.1.2")), "CVE-2019-20477"), nullptr);
    EXPECT_EQ(find(match(app("pypi", "pyyaml", "5.2b1")), "CVE-2019-20477"), nullptr);
    EXPECT_TRUE(match(app("pypi", "PyYAML", "6.0.1")).empty());

    // "jw.util" in the record, "jw_util" (a wheel's dist-info) installed: the same project.
    EXPECT_FALSE(match(app("pypi", "jw_util", "2.2")).empty());
    EXPECT_TRUE(match(app("pypi", "jw_util", "2.3")).empty());
}

TEST_F(LanguageMatcher, GoModulesAndTheStandardLibrary) {
    // A pseudo-version before the fix commit's pseudo-version, in a range written without 'v'.
    auto net = match(app("golang", "golang.org/x/net", "v0.0.0-20180906233101-161cd47e91fd"));
    EXPECT_NE(find(net, "CVE-2018-17846"), nullptr);
    EXPECT_EQ(find(net, "CVE-2018-17846")->fixed_version, "0.0.0-20190125091013-d26f9f9a57f3");
    EXPECT_NE(find(net, "CVE-2023-44487"), nullptr);
    auto newer = match(app("golang", "golang.org/x/net", "v0.17.0"));
    EXPECT_EQ(find(newer, "CVE-2018-17846"), nullptr);
    EXPECT_EQ(find(newer, "CVE-2023-44487"), nullptr);

    // GO-2023-2185 (CVE-2023-45283): stdlib before 1.20.11, and 1.21.0-0 to 1.21.4.
    for (const char* version : {"1.21.3", "v1.21.3", "go1.21.3", "go1.21rc2"}) {
        auto stdlib = match(app("golang", "stdlib", version));
        const auto* hit = find(stdlib, "CVE-2023-45283");
        ASSERT_NE(hit, nullptr) << version;
        EXPECT_EQ(hit->fixed_version, "1.21.4") << version;
    }
    // The record's second entry: 1.20.11 and 1.21.4 brought a regression, fixed in .12 and .5.
    EXPECT_EQ(find(match(app("golang", "stdlib", "1.21.4")), "CVE-2023-45283")->fixed_version, "1.21.5");
    EXPECT_EQ(find(match(app("golang", "stdlib", "1.20.11")), "CVE-2023-45283")->fixed_version, "1.20.12");
    EXPECT_EQ(find(match(app("golang", "stdlib", "1.21.5")), "CVE-2023-45283"), nullptr);
    EXPECT_EQ(find(match(app("golang", "toolchain", "1.21.5")), "CVE-2023-45283"), nullptr);  // not the go command
    EXPECT_TRUE(match(app("golang", "example.com/mine", "(devel)")).empty());  // no version to judge
}

TEST_F(LanguageMatcher, MavenLog4Shell) {
    auto log4j = match(app("maven", "org.apache.logging.log4j:log4j-core", "2.14.1"));
    const auto* hit = find(log4j, "CVE-2021-44228");
    ASSERT_NE(hit, nullptr);
    EXPECT_EQ(hit->fixed_version, "2.15.0");
    EXPECT_EQ(hit->severity, static_cast<int>(Severity::Critical));
    // The 2.12 branch has its own fix (2.12.2); 2.3.1 is the Java 6 branch's.
    EXPECT_EQ(find(match(app("maven", "org.apache.logging.log4j:log4j-core", "2.12.1")), "CVE-2021-44228")->fixed_version,
              "2.12.2");
    EXPECT_EQ(find(match(app("maven", "org.apache.logging.log4j:log4j-core", "2.12.2")), "CVE-2021-44228"), nullptr);
    EXPECT_EQ(find(match(app("maven", "org.apache.logging.log4j:log4j-core", "2.15.0")), "CVE-2021-44228"), nullptr);
    EXPECT_NE(find(match(app("maven", "org.apache.logging.log4j:log4j-core", "2.15.0-rc1")), "CVE-2021-44228"),
              nullptr);
}

TEST_F(LanguageMatcher, CratesIoSemverRanges) {
    auto smallvec = match(app("cargo", "smallvec", "0.6.9"));
    EXPECT_NE(find(smallvec, "CVE-2019-15551"), nullptr);  // RUSTSEC-2019-0009: 0.6.5 to 0.6.10
    EXPECT_NE(find(smallvec, "CVE-2018-25023"), nullptr);  // RUSTSEC-2018-0018: before 0.6.13
    EXPECT_EQ(find(smallvec, "CVE-2018-20991"), nullptr);  // RUSTSEC-2018-0003: fixed in 0.6.3
    EXPECT_NE(find(match(app("cargo", "smallvec", "0.4.0")), "CVE-2018-20991"), nullptr);
    EXPECT_NE(find(match(app("cargo", "smallvec", "0.4.0-alpha")), "CVE-2018-20991"), nullptr);  // >= 0.4.0-0
}

TEST_F(LanguageMatcher, RubyGemsRack) {
    // GHSA-wq4h-7r42-5hrr: fixed in 2.0.9.1, 2.1.4.1 and 2.2.3.1, one per branch.
    EXPECT_EQ(find(match(app("gem", "rack", "2.2.3")), "CVE-2022-30123")->fixed_version, "2.2.3.1");
    EXPECT_EQ(find(match(app("gem", "rack", "2.0.9")), "CVE-2022-30123")->fixed_version, "2.0.9.1");
    EXPECT_EQ(find(match(app("gem", "rack", "2.2.3.1")), "CVE-2022-30123"), nullptr);
    EXPECT_EQ(find(match(app("gem", "rack", "2.1.4.1")), "CVE-2022-30123"), nullptr);
    EXPECT_NE(find(match(app("gem", "rack", "2.2.3.rc1")), "CVE-2022-30123"), nullptr);
}

TEST_F(LanguageMatcher, PackagistGuzzle) {
    EXPECT_EQ(find(match(app("composer", "guzzlehttp/guzzle", "7.4.4")), "CVE-2022-31090")->fixed_version, "7.4.5");
    EXPECT_EQ(find(match(app("composer", "guzzlehttp/guzzle", "v6.5.7")), "CVE-2022-31090")->fixed_version, "6.5.8");
    EXPECT_NE(find(match(app("composer", "GuzzleHttp/Guzzle", "7.4.5-RC1")), "CVE-2022-31090"), nullptr);
    // 7.0.0-beta1 sorts before 7.0.0, where the second range starts, and after 6.5.8.
    EXPECT_EQ(find(match(app("composer", "guzzlehttp/guzzle", "7.0.0-beta1")), "CVE-2022-31090"), nullptr);
    EXPECT_EQ(find(match(app("composer", "guzzlehttp/guzzle", "7.4.5")), "CVE-2022-31090"), nullptr);
    EXPECT_TRUE(match(app("composer", "guzzlehttp/guzzle", "dev-master")).empty());  // a branch: not judged
}

TEST_F(LanguageMatcher, NuGetNamesIgnoreCase) {
    for (const char* name : {"Newtonsoft.Json", "newtonsoft.json", "NEWTONSOFT.JSON"}) {
        auto findings = match(app("nuget", name, "12.0.3"));
        ASSERT_EQ(findings.size(), 1u) << name;
        EXPECT_EQ(findings[0].id, "GHSA-5crp-9r3c-p9vr");  // no CVE id: the GHSA id
        EXPECT_EQ(findings[0].fixed_version, "13.0.1");
        EXPECT_EQ(findings[0].severity, static_cast<int>(Severity::Low));
        EXPECT_EQ(findings[0].package.name, name);  // as installed
    }
    EXPECT_TRUE(match(app("nuget", "Newtonsoft.Json", "13.0.1.0")).empty());
}

TEST_F(LanguageMatcher, MaliciousPackagesAreFlagged) {
    // MAL-2025-4291: every version of 12octsportsday (an introduced-0 range, no fix).
    auto findings = match(app("npm", "12octsportsday", "1.0.0"));
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].id, "MAL-2025-4291");
    EXPECT_TRUE(findings[0].malicious);
    EXPECT_EQ(findings[0].status, FixStatus::Affected);
    EXPECT_EQ(findings[0].aliases, std::vector<std::string>{"GHSA-pfcm-6786-4qj4"});
    // MAL-2023-8653 lists the one malicious version of astar-ci-scripts.
    EXPECT_EQ(ids(match(app("npm", "astar-ci-scripts", "1.0.0"))), std::set<std::string>{"MAL-2023-8653"});
    EXPECT_TRUE(match(app("npm", "astar-ci-scripts", "1.0.1")).empty());
}

TEST(OsvPackageKey, NamesAsTheRegistryComparesThem) {
    EXPECT_EQ(osv_package_key("PyPI", "PyYAML"), "pyyaml");
    EXPECT_EQ(osv_package_key("PyPI", "Flask_Cors"), "flask-cors");
    EXPECT_EQ(osv_package_key("PyPI", "zope.interface"), "zope-interface");
    EXPECT_EQ(osv_package_key("PyPI", "a-_.b"), "a-b");  // a run of separators is one '-'
    EXPECT_EQ(osv_package_key("NuGet", "Newtonsoft.Json"), "newtonsoft.json");
    EXPECT_EQ(osv_package_key("Packagist", "GuzzleHttp/Guzzle"), "guzzlehttp/guzzle");
    EXPECT_EQ(osv_package_key("Packagist:https://packages.drupal.org/8", "Drupal/Core"), "drupal/core");
    EXPECT_EQ(osv_package_key("npm", "@Scope/Pkg"), "@Scope/Pkg");  // exact elsewhere
    EXPECT_EQ(osv_package_key("Debian:12", "OpenSSL"), "OpenSSL");
    EXPECT_EQ(osv_package_key("Maven", "Org.Example:Lib"), "Org.Example:Lib");
}

TEST(LanguageEcosystem, ByPackageType) {
    EXPECT_EQ(language_ecosystem(app("npm", "x", "1")), "npm");
    EXPECT_EQ(language_ecosystem(app("pypi", "x", "1")), "PyPI");
    EXPECT_EQ(language_ecosystem(app("maven", "g:a", "1")), "Maven");
    EXPECT_EQ(language_ecosystem(app("golang", "x", "1")), "Go");
    EXPECT_EQ(language_ecosystem(app("cargo", "x", "1")), "crates.io");
    EXPECT_EQ(language_ecosystem(app("gem", "x", "1")), "RubyGems");
    EXPECT_EQ(language_ecosystem(app("composer", "v/p", "1")), "Packagist");
    EXPECT_EQ(language_ecosystem(app("nuget", "x", "1")), "NuGet");
    EXPECT_EQ(language_ecosystem(app("deb", "x", "1")), std::nullopt);
    EXPECT_EQ(language_ecosystem(app("swift", "x", "1")), std::nullopt);
    EXPECT_EQ(version_scheme_for(app("cargo", "x", "1")), VersionScheme::Semver);
    EXPECT_EQ(version_scheme_for(app("pypi", "x", "1")), VersionScheme::Pep440);
    EXPECT_EQ(version_scheme_for(app("gem", "x", "1")), VersionScheme::Gem);
}

}  // namespace
}  // namespace moat
