// dpkg version ordering: Policy's rules case by case, then differentially against the real
// `dpkg --compare-versions` over the versions of the Debian advisories and the dpkg fixtures.
#include "vulndb/version/dpkg_version.h"

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
#include <random>
#include <set>
#include <string>
#include <vector>

#include "test_support/osv_zip.h"
#include "vulndb/version/version_compare.h"

namespace moat {
namespace {

namespace fs = std::filesystem;

int sign(int value) { return (value > 0) - (value < 0); }

struct Case {
    const char* a;
    const char* b;
    int expected;  // sign of compare(a, b)
};

void expect_cases(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        EXPECT_EQ(sign(dpkg_version_compare(c.a, c.b)), c.expected) << c.a << " vs " << c.b;
        EXPECT_EQ(sign(dpkg_version_compare(c.b, c.a)), -c.expected) << c.b << " vs " << c.a;
        EXPECT_EQ(sign(compare_versions(VersionScheme::Dpkg, c.a, c.b)), c.expected);
    }
}

TEST(VersionDpkg, TildeSortsBeforeEverythingEvenTheEnd) {
    // Policy's own example: ~~ < ~~a < ~ < (nothing) < a.
    expect_cases({{"1.0~~", "1.0~~a", -1},
                  {"1.0~~a", "1.0~", -1},
                  {"1.0~", "1.0", -1},
                  {"1.0", "1.0a", -1},
                  {"1.0~rc1", "1.0", -1},
                  {"1.0~rc1-1", "1.0-1", -1},
                  {"1.0-1~bpo11+1", "1.0-1", -1},
                  {"1.0-1", "1.0-1+deb12u1", -1},
                  {"2.36-9+deb12u4~deb11u1", "2.36-9+deb12u4", -1},
                  {"1.0~beta", "1.0~alpha", 1}});
}

TEST(VersionDpkg, LettersSortBeforeOtherCharacters) {
    expect_cases({{"1.0a", "1.0+", -1},   // letters before non-letters
                  {"1.0Z", "1.0a", -1},   // letters by ASCII
                  {"1.0+", "1.0.", -1},   // non-letters by ASCII
                  {"1.0", "1.0.0", -1},   // the end before '.'
                  {"1.0", "1.0+dfsg", -1},
                  {"1.0+dfsg", "1.0.1", -1},
                  {"1.0-beta-1", "1.0-1", 1},  // upstream "1.0-beta" after "1.0"
                  {"1:2:3", "1:2.3", 1}});     // ':' may appear in upstream after an epoch
}

TEST(VersionDpkg, NumbersCompareNumericallyWhateverTheirLength) {
    expect_cases({{"1.9", "1.10", -1},
                  {"1.0", "1.00", 0},
                  {"1.010", "1.10", 0},
                  {"0001.2", "1.2", 0},
                  {"1.0000000000000000000001", "1.1", 0},
                  {"1.99999999999999999999999999", "1.100000000000000000000000000", -1},
                  {"18446744073709551616", "18446744073709551615", 1},  // past 64 bits
                  {"2.30-1+b1", "2.30-1", 1},
                  {"2002edebian1", "2002debian1", 1}});
}

TEST(VersionDpkg, EpochThenUpstreamThenRevision) {
    expect_cases({{"1:1.0", "2.0", 1},
                  {"0:1.0", "1.0", 0},
                  {"00:1.0", "1.0", 0},
                  {"10:1.0", "9:2.0", 1},
                  {"2147483647:1", "99:9", 1},
                  {"1.0-2", "1.1-1", -1},
                  {"1.0-10", "1.0-9", 1},
                  {"1.0", "1.0-0", 0},  // no revision is the same as "0"
                  {"1.0-1", "1.0", 1},
                  {"7:2002edebian1-13.1+etch1", "7:2002edebian1-13.1", 1},
                  {" 1.0 ", "1.0", 0}});  // dpkg ignores surrounding whitespace
}

TEST(VersionDpkg, SplitsAtTheFirstColonAndTheLastHyphen) {
    DpkgVersion v = split_dpkg_version("1:2.0-beta-3");
    EXPECT_TRUE(v.has_epoch);
    EXPECT_EQ(v.epoch, "1");
    EXPECT_EQ(v.upstream, "2.0-beta");
    EXPECT_EQ(v.revision, "3");
    v = split_dpkg_version("2.0");
    EXPECT_FALSE(v.has_epoch);
    EXPECT_FALSE(v.has_revision);
    EXPECT_EQ(v.upstream, "2.0");
}

TEST(VersionDpkg, ValidityFollowsDpkg) {
    for (const char* valid : {"1.0", "1:1.0-1", "0.8.8b+dfsg-8+deb8u8", "2.36-9+deb12u4~deb11u1",
                              "1.0~rc1", "1:2:3", "1.0-beta-1", "2147483647:1", " 1.0\t"})
        EXPECT_TRUE(dpkg_version_valid(valid)) << valid << ": " << dpkg_version_problem(valid);
    const std::vector<std::pair<const char*, std::string>> invalid = {
        {"", "version string is empty"},
        {"1.0 1", "version string has embedded spaces"},
        {":1.0", "epoch in version is empty"},
        {"x:1.0", "epoch in version is empty"},
        {"1x:1.0", "epoch in version is not number"},
        {"-1:1.0", "epoch in version is negative"},
        {"2147483648:1", "epoch in version is too big"},
        {"1:", "nothing after colon in version number"},
        {"1.0-", "revision number is empty"},
        {"1:-1", "version number is empty"},
        {"a1.0", "version number does not start with digit"},
        {"1.0_1", "invalid character in version number"},
        {"1.0-1_2", "invalid character in revision number"},
        {"1.0-1:2", "epoch in version is not number"},
    };
    for (const auto& [version, problem] : invalid) {
        const char* found = dpkg_version_problem(version);
        ASSERT_NE(found, nullptr) << version;
        EXPECT_EQ(found, problem) << version;
    }
    Status status = check_version(VersionScheme::Dpkg, "1.0-");
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.message(), "dpkg version '1.0-': revision number is empty");
}

// ---- Differential tests against the real dpkg ----------------------------------------------

bool have_dpkg() { return std::system("dpkg --version >/dev/null 2>&1") == 0; }

// MOAT_VERSION_ORACLE_SCALE=N checks about N times as many pairs (for a longer run by hand).
size_t oracle_scale() {
    const char* scale = std::getenv("MOAT_VERSION_ORACLE_SCALE");
    return static_cast<size_t>(std::max(1, scale ? std::atoi(scale) : 1));
}

fs::path temp_path(const std::string& name) {
    return fs::temp_directory_path() / ("moat-" + name + "-" + std::to_string(::getpid()));
}

// (package, version) of every non-"0" event of every OSV record in an all.zip.
std::vector<std::pair<std::string, std::string>> osv_versions(const fs::path& zip_path) {
    std::vector<std::pair<std::string, std::string>> found;
    std::string error;
    if (!test_support::osv_package_versions(zip_path, &found, &error))
        ADD_FAILURE() << zip_path << ": " << error;
    return found;
}

// (package, version) of the Version: and Source: (version) fields of the dpkg fixtures.
std::vector<std::pair<std::string, std::string>> fixture_versions(const fs::path& fixtures) {
    std::vector<std::pair<std::string, std::string>> found;
    if (!fs::is_directory(fixtures)) return found;
    for (const auto& entry : fs::recursive_directory_iterator(fixtures)) {
        const std::string path = entry.path().string();
        if (!entry.is_regular_file() || path.find("/var/lib/dpkg/status") == std::string::npos)
            continue;
        std::ifstream in(entry.path());
        std::string line, package;
        while (std::getline(in, line)) {
            if (line.rfind("Package: ", 0) == 0) package = line.substr(9);
            if (line.rfind("Version: ", 0) == 0) found.emplace_back(package, line.substr(9));
            size_t open = line.find(" ("), close = line.rfind(')');
            if (line.rfind("Source: ", 0) == 0 && open != std::string::npos && close > open)
                found.emplace_back(line.substr(8, open - 8), line.substr(open + 2, close - open - 2));
        }
    }
    return found;
}

// Versions go into a shell script between single quotes.
bool shell_safe(const std::string& version) {
    return !version.empty() && version.front() != '-' &&
           std::all_of(version.begin(), version.end(), [](char c) {
               return c != '\'' && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
           });
}

// Whether dpkg confirms each of our verdicts: one `dpkg --compare-versions a lt|eq|gt b` per
// pair, the operator being our answer, so a single call settles it. kRefused when dpkg rejects
// a version outright (exit status 2). Run from a few shells side by side.
constexpr int kConfirmed = 0, kRefused = 2;  // dpkg exit statuses; 1 denies
std::vector<int> dpkg_confirms(const std::vector<std::pair<std::string, std::string>>& pairs,
                               const std::vector<int>& ours) {
    const size_t shells = 2;
    std::vector<fs::path> scripts, outputs;
    std::string command = "(";
    for (size_t shell = 0; shell < shells; ++shell) {
        scripts.push_back(temp_path("dpkg-pairs-" + std::to_string(shell) + ".sh"));
        outputs.push_back(temp_path("dpkg-verdicts-" + std::to_string(shell)));
        std::ofstream script(scripts.back());
        script << "exec 2>/dev/null\n";
        for (size_t i = shell; i < pairs.size(); i += shells) {
            const char* op = ours[i] < 0 ? "lt" : ours[i] == 0 ? "eq" : "gt";
            script << "dpkg --compare-versions '" << pairs[i].first << "' " << op << " '"
                   << pairs[i].second << "'; echo $?\n";
        }
        command += "sh '" + scripts.back().string() + "' > '" + outputs.back().string() + "' & ";
    }
    command += "wait)";
    EXPECT_EQ(std::system(command.c_str()), 0);
    std::vector<int> verdicts(pairs.size(), kRefused);
    for (size_t shell = 0; shell < shells; ++shell) {
        std::ifstream in(outputs[shell]);
        int verdict = kRefused;
        for (size_t i = shell; i < pairs.size() && in >> verdict; i += shells) verdicts[i] = verdict;
        fs::remove(scripts[shell]);
        fs::remove(outputs[shell]);
    }
    return verdicts;
}

TEST(VersionDpkgDifferential, AgreesWithDpkgOnAdvisoryAndFixtureVersions) {
    if (!have_dpkg()) GTEST_SKIP() << "dpkg is not installed";
    const fs::path shared = MOAT_SHARED_DIR;
    auto tagged = osv_versions(shared / "vulndb/Debian/all.zip");
    ASSERT_GT(tagged.size(), 10000u) << "the Debian advisories should give thousands of versions";
    auto from_fixtures = fixture_versions(shared / "fixtures/dpkg");
    ASSERT_GT(from_fixtures.size(), 50u);
    tagged.insert(tagged.end(), from_fixtures.begin(), from_fixtures.end());

    // Real data holds a few versions dpkg only warns about; the oracle takes them all.
    std::map<std::string, std::set<std::string>> by_package;
    std::set<std::string> all, invalid;
    for (const auto& [package, version] : tagged) {
        ASSERT_TRUE(shell_safe(version)) << version;
        if (!dpkg_version_valid(version)) invalid.insert(version);
        by_package[package].insert(version);
        all.insert(version);
    }
    // A package name in a DSA's version field, and trivy's deliberately corrupt status file.
    EXPECT_EQ(invalid, (std::set<std::string>{"1:5.#", "5.#", "kernel-image-2.4.17-ia64"}));
    std::vector<std::string> versions(all.begin(), all.end());

    const size_t scale = oracle_scale();
    std::mt19937 random(20261123);
    auto pick = [&](const std::vector<std::string>& from) {
        return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(random)];
    };
    std::vector<std::pair<std::string, std::string>> pairs;
    // 1. Neighbours within a package, where the fine distinctions are (+deb12u1 vs ~deb11u1).
    std::vector<std::pair<std::string, std::string>> neighbours;
    for (const auto& [package, set] : by_package) {
        std::vector<std::string> sorted(set.begin(), set.end());
        std::sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) {
            return dpkg_version_compare(x, y) < 0;
        });
        for (size_t i = 1; i < sorted.size(); ++i) neighbours.emplace_back(sorted[i - 1], sorted[i]);
    }
    std::shuffle(neighbours.begin(), neighbours.end(), random);
    neighbours.resize(std::min<size_t>(neighbours.size(), 1500 * scale));
    pairs.insert(pairs.end(), neighbours.begin(), neighbours.end());
    // 2. Random pairs across the whole corpus.
    for (size_t i = 0; i < 800 * scale; ++i) pairs.emplace_back(pick(versions), pick(versions));
    // 3. A version against a small edit of itself: the rules' edge cases on real strings.
    const std::vector<std::string> appended = {"~", "~rc1", "~~", "+b1", "a", ".0", "-1", "+dfsg"};
    for (size_t i = 0; i < 700 * scale; ++i) {
        std::string base = pick(versions), edited = base;
        switch (i % 4) {
            case 0:  // append something
                edited += appended[(i / 4) % appended.size()];
                break;
            case 1:  // pad a number with zeros (same version) or bump a digit; after the
                     // epoch if there is one (find(':') + 1 is 0 when there is none)
                if (size_t at = edited.find_first_of("0123456789", edited.find(':') + 1);
                    at != std::string::npos)
                    edited.insert(at, i % 8 == 1 ? "00" : "1");
                break;
            case 2:  // insert '~' before the last hyphen or at the end of upstream
                edited.insert(std::min(edited.rfind('-'), edited.size()), "~1");
                break;
            case 3:  // add or change the epoch
                edited = (edited.find(':') == std::string::npos ? "0:" : "1") + edited;
                break;
        }
        if (dpkg_version_valid(edited) && shell_safe(edited)) pairs.emplace_back(base, edited);
    }

    std::vector<int> ours;
    for (const auto& [a, b] : pairs) ours.push_back(sign(dpkg_version_compare(a, b)));
    const std::vector<int> verdicts = dpkg_confirms(pairs, ours);
    size_t disagreements = 0, refused = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
        const auto& [a, b] = pairs[i];
        if (verdicts[i] == kRefused) {  // only versions that are not even parseable
            ++refused;
            EXPECT_TRUE(!dpkg_version_valid(a) || !dpkg_version_valid(b)) << a << " vs " << b;
        } else if (verdicts[i] != kConfirmed && ++disagreements <= 20) {
            ADD_FAILURE() << "'" << a << "' vs '" << b << "': moat says " << ours[i]
                          << ", dpkg disagrees";
        }
    }
    EXPECT_EQ(refused, 0u);
    std::cout << "[ dpkg     ] " << pairs.size() << " pairs from " << versions.size()
              << " distinct versions checked against dpkg --compare-versions, " << disagreements
              << " disagreements\n";
    RecordProperty("dpkg_pairs", static_cast<int>(pairs.size()));
    EXPECT_EQ(disagreements, 0u);
    EXPECT_GE(pairs.size(), 2500u);
}

// dpkg --validate-version on every short string over one character of each class.
TEST(VersionDpkgDifferential, ValidityAgreesWithDpkgValidateVersion) {
    if (std::system("dpkg --validate-version 1.0 >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "dpkg --validate-version is not available";
    const std::string alphabet = "0a:-.~+_ ";
    std::vector<std::string> versions = {""};
    for (size_t begin = 0, length = 1; length <= 3; ++length) {
        const size_t end = versions.size();
        for (size_t i = begin; i < end; ++i)
            for (char c : alphabet) versions.push_back(versions[i] + c);
        begin = end;
    }
    for (const char* extra : {"2147483647:1", "2147483648:1", "1:1.0-1", "-0:1", "+1:1.0"})
        versions.push_back(extra);
    const fs::path list = temp_path("dpkg-validate");
    {
        std::ofstream out(list);
        for (const auto& version : versions) out << version << "\n";
    }
    const std::string command = "while IFS= read -r v; do dpkg --validate-version -- \"$v\" "
                                ">/dev/null 2>&1 && echo 1 || echo 0; done < '" +
                                list.string() + "'";
    FILE* verdicts = ::popen(command.c_str(), "r");
    ASSERT_NE(verdicts, nullptr);
    size_t disagreements = 0;
    char verdict[8];
    for (const auto& version : versions) {
        ASSERT_NE(std::fgets(verdict, sizeof verdict, verdicts), nullptr);
        const bool dpkg_valid = verdict[0] == '1';
        if (dpkg_valid != dpkg_version_valid(version) && ++disagreements <= 20)
            ADD_FAILURE() << "'" << version << "': dpkg says " << (dpkg_valid ? "valid" : "invalid");
    }
    ::pclose(verdicts);
    fs::remove(list);
    EXPECT_EQ(disagreements, 0u) << "of " << versions.size() << " strings";
}

}  // namespace
}  // namespace moat
