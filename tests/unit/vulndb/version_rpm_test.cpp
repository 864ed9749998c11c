// rpm version ordering: rpmvercmp's rules case by case ('~', '^', separators, numbers against
// letters), the EVR split, then differentially against the real rpm (rpm.vercmp in rpm's Lua)
// over the AlmaLinux advisory versions, the rpm fixtures and edits of them.
#include "vulndb/version/rpm_version.h"

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

void expect_vercmp(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        EXPECT_EQ(sign(rpm_vercmp(c.a, c.b)), c.expected) << c.a << " vs " << c.b;
        EXPECT_EQ(sign(rpm_vercmp(c.b, c.a)), -c.expected) << c.b << " vs " << c.a;
    }
}

void expect_evr(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        EXPECT_EQ(sign(rpm_version_compare(c.a, c.b)), c.expected) << c.a << " vs " << c.b;
        EXPECT_EQ(sign(rpm_version_compare(c.b, c.a)), -c.expected) << c.b << " vs " << c.a;
        EXPECT_EQ(sign(compare_versions(VersionScheme::Rpm, c.a, c.b)), c.expected);
    }
}

TEST(VersionRpm, TildeIsAPreRelease) {
    expect_vercmp({{"1.0~rc1", "1.0", -1},
                   {"1.0~rc1", "1.0~rc2", -1},
                   {"1.0~~", "1.0~", -1},
                   {"1.0~rc1", "1.0~", 1},
                   {"1.0~rc1", "0.9", 1},
                   {"1.0.~1", "1.0~1", 0}});  // separators before '~' do not count
}

TEST(VersionRpm, CaretIsAPostReleaseBeforeTheNextVersion) {
    expect_vercmp({{"1.0^", "1.0", 1},
                   {"1.0^git1", "1.0", 1},
                   {"1.0^git1", "1.0.1", -1},  // still before the next version
                   {"1.0^git1", "1.0a", -1},
                   {"1.0^git1", "1.0^git2", -1},
                   {"1.0^20230101", "1.0^20221231", 1},
                   {"1.0^git1", "1.0~rc1", 1},
                   {"1.0^~", "1.0^", -1},
                   {"1.0^", "1.0.", 1}});  // the trailing '.' is nothing; '^' beats the end
}

TEST(VersionRpm, RunsOfDigitsAndLetters) {
    expect_vercmp({{"1.10", "1.9", 1},
                   {"1.010", "1.10", 0},                                // leading zeros
                   {"1.99999999999999999999", "1.100000000000000000000", -1},  // any length
                   {"1.0a", "1.0", 1},    // runs left over win
                   {"1.0", "1.0.0", -1},
                   {"1a", "1.a", 0},      // separators only separate
                   {"1.0", "1_0", 0},
                   {"1.0.", "1.0", 0},
                   {"1..0", "1.0", 0},
                   {"2.0a", "2.0.1", -1},  // a number beats letters
                   {"1.a", "1.1", -1},
                   {"a", "B", 1},          // letters by byte: 'B' < 'a'
                   {"abc", "abd", -1},
                   {"ab", "abc", -1},
                   {"el9_1", "el9", 1},
                   {"el9_10", "el9_9", 1},
                   {"", "", 0},
                   {"", "1", -1}});
}

TEST(VersionRpm, SplitsEpochVersionRelease) {
    RpmEvr evr = split_rpm_evr("2:1.2.3-4.el9_1");
    EXPECT_TRUE(evr.has_epoch);
    EXPECT_EQ(evr.epoch, "2");
    EXPECT_EQ(evr.version, "1.2.3");
    EXPECT_TRUE(evr.has_release);
    EXPECT_EQ(evr.release, "4.el9_1");
    evr = split_rpm_evr("1.2.3");
    EXPECT_FALSE(evr.has_epoch);
    EXPECT_FALSE(evr.has_release);
    evr = split_rpm_evr(":1.0");  // an empty epoch reads as 0
    EXPECT_TRUE(evr.has_epoch);
    EXPECT_EQ(evr.epoch, "0");
    evr = split_rpm_evr("a:1.0-1");  // not an epoch: stays in the version, as in rpm
    EXPECT_FALSE(evr.has_epoch);
    EXPECT_EQ(evr.version, "a:1.0");
    evr = split_rpm_evr("1.0-1-2");  // the release follows the last '-'
    EXPECT_EQ(evr.version, "1.0-1");
    EXPECT_EQ(evr.release, "2");
}

TEST(VersionRpm, EpochThenVersionThenRelease) {
    expect_evr({{"1:1.0-1", "2.0-1", 1},
                {"0:1.0-1", "1.0-1", 0},  // no epoch is epoch 0
                {"01:1.0", "1:1.0", 0},
                {"1.0-2", "1.1-1", -1},
                {"1.0-10.el9", "1.0-9.el9", 1},
                {"2:1.2.3-4.el9_1", "2:1.2.3-4.el9", 1},
                {"1:18.20.6-1.module_el8.10.0+3960+fcfbf683", "1:18.20.6-1.module_el8.9.0+3960", 1},
                {"9999999999999999999999:1", "9999999999999999999998:2", 1}});
}

TEST(VersionRpm, AMissingReleaseSortsFirstAsInRpm) {
    // rpm's total order (rpmverCmp, rpm.vercmp): no release < any release, even an empty one.
    expect_evr({{"1.0", "1.0-1", -1}, {"1.0", "1.0-", -1}, {"1.0-", "1.0-0", -1}, {"1.0", "1.0", 0}});
    // Dependency-style matching: "1.0" names every release of 1.0.
    const RpmEvr bare = split_rpm_evr("1.0"), released = split_rpm_evr("1.0-5");
    EXPECT_EQ(rpm_evr_compare(bare, released, RpmMissingRelease::MatchesAny), 0);
    EXPECT_EQ(rpm_evr_compare(released, bare, RpmMissingRelease::MatchesAny), 0);
    EXPECT_LT(rpm_evr_compare(bare, split_rpm_evr("1.1-1"), RpmMissingRelease::MatchesAny), 0);
    EXPECT_LT(rpm_evr_compare(split_rpm_evr("1.0-4"), released, RpmMissingRelease::MatchesAny), 0);
}

TEST(VersionRpm, Validity) {
    for (const char* valid : {"1.0", "1.0-1", "2:1.2.3-4.el9_1", "1.0~rc1-1", "1.0^git1-1.fc39",
                              "0:1-1", "4294967295:1", "1.0+b1-0.1"})
        EXPECT_TRUE(rpm_version_valid(valid)) << valid << ": " << rpm_version_problem(valid);
    const std::vector<std::pair<const char*, std::string>> invalid = {
        {"", "version string is empty"},
        {":1.0", "epoch is empty"},
        {"4294967296:1", "epoch is too big"},
        {"1:", "version is empty"},
        {"-1", "version is empty"},
        {"1.0-", "release is empty"},
        {"1.0-1-2", "version contains ':' or '-' outside the epoch and release separators"},
        {"a:1.0", "version contains ':' or '-' outside the epoch and release separators"},
        {"1.0 1", "invalid character in version"},
        {"1.0-1/2", "invalid character in release"},
    };
    for (const auto& [version, problem] : invalid) {
        const char* found = rpm_version_problem(version);
        ASSERT_NE(found, nullptr) << version;
        EXPECT_EQ(found, problem) << version;
    }
}

// ---- Differential test against the real rpm ------------------------------------------------

size_t oracle_scale() {  // MOAT_VERSION_ORACLE_SCALE=N: about N times as many pairs
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

// [epoch:]version-release of the packages of the rpm fixtures whose expectations keep the
// three header tags apart (the go-rpmdb and trivy cases).
std::vector<std::pair<std::string, std::string>> fixture_versions(const fs::path& fixtures) {
    std::vector<std::pair<std::string, std::string>> found;
    for (const char* category : {"rpm", "rpm-manifest"}) {
        if (!fs::is_directory(fixtures / category)) continue;
        for (const auto& fixture : fs::directory_iterator(fixtures / category)) {
            std::ifstream in(fixture.path() / "expected.json");
            auto expected = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
            const std::string format =
                expected.is_object() ? expected.value("version_format", "") : "";
            if (format.rfind("rpmdb-split", 0) != 0 && format.rfind("trivy-split", 0) != 0)
                continue;
            for (const auto& package : expected.value("packages", nlohmann::json::array())) {
                if (!package.contains("release")) continue;
                std::string evr = package.value("version", "") + "-" + package.value("release", "");
                if (package.contains("epoch"))
                    evr = std::to_string(package.value("epoch", 0)) + ":" + evr;
                found.emplace_back(package.value("name", ""), evr);
            }
        }
    }
    return found;
}

// rpm's verdict on every pair, from one `rpm --eval` running rpm.vercmp over a file of pairs.
std::vector<int> rpm_verdicts(const std::vector<std::pair<std::string, std::string>>& pairs) {
    const fs::path list = temp_path("rpm-pairs");
    {
        std::ofstream out(list);
        for (const auto& [a, b] : pairs) out << a << " " << b << "\n";
    }
    const std::string command =
        "rpm --eval '%{lua: for line in io.lines(\"" + list.string() + "\") do "
        "local space = string.find(line, \" \", 1, true) "
        "print(rpm.vercmp(string.sub(line, 1, space - 1), string.sub(line, space + 1)) .. \"\\n\") "
        "end}' 2>&1";
    std::vector<int> verdicts;
    FILE* output = ::popen(command.c_str(), "r");
    EXPECT_NE(output, nullptr);
    if (output == nullptr) return verdicts;
    char line[256];
    while (std::fgets(line, sizeof line, output) != nullptr && verdicts.size() < pairs.size()) {
        char* end = nullptr;
        long verdict = std::strtol(line, &end, 10);
        if (end == line) {
            ADD_FAILURE() << "unexpected rpm output: " << line;
            break;
        }
        verdicts.push_back(static_cast<int>(verdict));
    }
    ::pclose(output);
    fs::remove(list);
    return verdicts;
}

// One small edit of a real EVR, aimed at a rule: '~', '^', separators, zeros, letters, epochs.
std::string edit(const std::string& evr, size_t kind, std::mt19937& random) {
    RpmEvr parts = split_rpm_evr(evr);
    std::string epoch = parts.has_epoch ? std::string(parts.epoch) + ":" : "";
    std::string version(parts.version), release(parts.release);
    const bool in_release = parts.has_release && random() % 2 == 0;
    std::string& target = in_release ? release : version;
    static const std::vector<std::string> tails = {"~rc1", "~", "^", "^git20240101.abc", "~~",
                                                   "^~",   ".0", "a", "_1",  "+1", "."};
    switch (kind % 6) {
        case 0:
            target += tails[random() % tails.size()];
            break;
        case 1:  // a separator swapped for another, or for '~' or '^'
            if (size_t at = target.find_first_of("._+"); at != std::string::npos)
                target[at] = "._+~^"[random() % 5];
            break;
        case 2:  // leading zeros on a number (same version), or a longer number
            if (size_t at = target.find_first_of("0123456789"); at != std::string::npos)
                target.insert(at, random() % 2 ? "00" : "9");
            break;
        case 3:  // epoch added, dropped or changed
            epoch = parts.has_epoch ? (random() % 2 ? "" : "1" + epoch) : "0:";
            break;
        case 4:  // release dropped, or emptied
            return epoch + version + (random() % 2 ? "" : "-");
        case 5:  // a digit bumped somewhere
            if (size_t at = target.find_last_of("012345678"); at != std::string::npos) ++target[at];
            break;
    }
    return epoch + version + (parts.has_release ? "-" + release : "");
}

TEST(VersionRpmDifferential, AgreesWithRpmVercmpOnAdvisoryAndFixtureVersions) {
    if (std::system("rpm --eval '%{lua: print(rpm.vercmp(\"1\", \"2\"))}' >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "rpm with Lua is not installed";
    const fs::path shared = MOAT_SHARED_DIR;
    auto tagged = osv_versions(shared / "vulndb/AlmaLinux/all.zip");
    ASSERT_GT(tagged.size(), 5000u) << "the AlmaLinux advisories should give thousands of EVRs";
    auto from_fixtures = fixture_versions(shared / "fixtures");
    ASSERT_GT(from_fixtures.size(), 30u);
    tagged.insert(tagged.end(), from_fixtures.begin(), from_fixtures.end());

    std::map<std::string, std::set<std::string>> by_package;
    std::set<std::string> all;
    for (const auto& [package, evr] : tagged) {
        // rpm.vercmp takes any string but an empty one; the pair file is space separated.
        ASSERT_FALSE(evr.empty() || evr.find_first_of(" \n") != std::string::npos) << evr;
        EXPECT_TRUE(rpm_version_valid(evr)) << evr << ": " << rpm_version_problem(evr);
        by_package[package].insert(evr);
        all.insert(evr);
    }
    const std::vector<std::string> evrs(all.begin(), all.end());
    size_t tilde = 0, caret = 0;

    const size_t scale = oracle_scale();
    std::mt19937 random(20261123);
    auto pick = [&] { return evrs[random() % evrs.size()]; };
    std::vector<std::pair<std::string, std::string>> pairs;
    // 1. Every pair of neighbours within a package (after sorting with our order).
    for (const auto& [package, set] : by_package) {
        std::vector<std::string> sorted(set.begin(), set.end());
        std::sort(sorted.begin(), sorted.end(),
                  [](const auto& x, const auto& y) { return rpm_version_compare(x, y) < 0; });
        for (size_t i = 1; i < sorted.size(); ++i) pairs.emplace_back(sorted[i - 1], sorted[i]);
    }
    // 2. Random pairs across the corpus.
    for (size_t i = 0; i < 5000 * scale; ++i) pairs.emplace_back(pick(), pick());
    // 3. Edits against their original, and two edits of one original against each other.
    for (size_t i = 0; i < 6000 * scale; ++i) {
        const std::string base = pick();
        std::string edited = edit(base, i, random);
        tilde += edited.find('~') != std::string::npos;
        caret += edited.find('^') != std::string::npos;
        if (i % 3 == 0)
            pairs.emplace_back(edit(base, i + 1 + random() % 5, random), edited);
        else
            pairs.emplace_back(base, edited);
    }
    // 4. Every pair of a set of odd strings: the rules' corners, and parsing of malformed EVRs.
    const std::vector<std::string> odd = {
        "1.0",  "1.0~",  "1.0~~", "1.0~rc1", "1.0^",  "1.0^~", "1.0~^",  "1.0^git1", "1.0^1.1",
        "1.0.1", "1.0a", "1.0.a", "1.0_1",   "1.00",  "01.0",  "1.0-1",  "1.0-1~",   "1.0-1^",
        "1:1.0", "0:1.0", ":1.0", "1.0-",    "-1",    "1:",    "a:1.0",  "1.0-1-2",  "1..0",
        "a",     "A",     "1a",   "~",       "^",     ".",     "1.0.",   "1^",       "1~1"};
    for (const auto& a : odd)
        for (const auto& b : odd) pairs.emplace_back(a, b);
    // Subpackages share EVRs, so neighbours repeat across packages: check each pair once.
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());

    const std::vector<int> verdicts = rpm_verdicts(pairs);
    ASSERT_EQ(verdicts.size(), pairs.size());
    size_t disagreements = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
        const int ours = sign(rpm_version_compare(pairs[i].first, pairs[i].second));
        if (ours != verdicts[i] && ++disagreements <= 20)
            ADD_FAILURE() << "'" << pairs[i].first << "' vs '" << pairs[i].second
                          << "': rpm says " << verdicts[i] << ", moat " << ours;
    }
    std::cout << "[ rpm      ] " << pairs.size() << " pairs from " << evrs.size()
              << " distinct EVRs (+ " << tilde << " edits with '~', " << caret
              << " with '^') checked against rpm.vercmp, " << disagreements << " disagreements\n";
    RecordProperty("rpm_pairs", static_cast<int>(pairs.size()));
    EXPECT_EQ(disagreements, 0u);
    EXPECT_GE(pairs.size(), 10000u);
    EXPECT_GE(tilde, 500u);
    EXPECT_GE(caret, 300u);
}

}  // namespace
}  // namespace moat
