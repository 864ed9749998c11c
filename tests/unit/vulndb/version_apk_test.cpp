// apk version ordering. No apk on this machine to ask, so: each rule of apk-package(5) case by
// case, validity, and the order's own laws (antisymmetry, transitivity, a consistent sort) over
// every version of the Alpine advisories and the apk fixtures.
#include "vulndb/version/apk_version.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
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
        EXPECT_EQ(sign(apk_version_compare(c.a, c.b)), c.expected) << c.a << " vs " << c.b;
        EXPECT_EQ(sign(apk_version_compare(c.b, c.a)), -c.expected) << c.b << " vs " << c.a;
        EXPECT_EQ(sign(compare_versions(VersionScheme::Apk, c.a, c.b)), c.expected);
    }
}

TEST(VersionApk, NumbersAndComponents) {
    expect_cases({{"1.36.1-r15", "1.36.1-r14", 1},
                  {"1.10", "1.9", 1},
                  {"1.2", "1.2.0", -1},  // more components is newer
                  {"1.2.0", "1.2.0.0", -1},
                  {"006", "6", 0},  // the first number is a plain number
                  {"10.0", "9.99", 1},
                  {"1.0.0_pre20191002222144-r0", "1.0.0_pre20210530193627-r0", -1},
                  {"1.99999999999999999999999", "1.100000000000000000000000", -1}});
}

TEST(VersionApk, LeadingZeroComponentsCompareAsStrings) {
    expect_cases({{"1.05", "1.1", -1},  // "05" < "1" as strings
                  {"1.05", "1.5", -1},
                  {"1.01", "1.009", 1},
                  {"16.02-r3", "16.1", -1},
                  {"8.2.0", "8.2.001", -1},  // apk-tools 3; apk-tools 2 said the opposite
                  {"8.2.0015", "8.2.002", -1},
                  {"1.0", "1.00", -1},
                  {"1.010", "1.01", 1}});
}

TEST(VersionApk, TheLetterAfterTheNumbers) {
    expect_cases({{"1.2.3a", "1.2.3", 1},
                  {"1.2.3b", "1.2.3a", 1},
                  {"1.2.3a", "1.2.4", -1},
                  {"1.2.3a", "1.2.3.1", -1},  // another number beats the letter
                  {"1.2.3a", "1.2.3_p1", 1},  // the letter beats a suffix
                  {"1.0.2u-r0", "1.0.2t-r9", 1}});
}

TEST(VersionApk, SuffixesInTheirOrder) {
    // _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p
    const std::vector<std::string> ordered = {
        "3.0.0_alpha", "3.0.0_alpha1", "3.0.0_alpha2", "3.0.0_beta", "3.0.0_pre",
        "3.0.0_rc1",   "3.0.0",        "3.0.0-r1",     "3.0.0_cvs",  "3.0.0_svn",
        "3.0.0_git",   "3.0.0_hg",     "3.0.0_p",      "3.0.0_p1",   "3.0.0_p1-r2",
        "3.0.0_p2",    "3.0.0a",       "3.0.0.1_rc1",  "3.0.0.1"};
    for (size_t i = 0; i < ordered.size(); ++i)
        for (size_t j = 0; j < ordered.size(); ++j)
            EXPECT_EQ(sign(apk_version_compare(ordered[i], ordered[j])), i < j ? -1 : i > j)
                << ordered[i] << " vs " << ordered[j];
    expect_cases({{"2.9.11_pre20061021-r2", "2.9.11_pre20061021-r1", 1},
                  {"2.9.11_pre20061021-r2", "2.9.11", -1},
                  {"1.2.4_git20230717-r4", "1.2.4", 1},
                  {"1.2.4_git20230717-r4", "1.2.5_rc1", -1},
                  {"9.1_p1-r0", "9.1-r5", 1},
                  {"9.1_p1-r0", "9.1_p2-r0", -1},
                  {"0.1.0_alpha_pre2", "0.1.0_alpha", -1},  // more pre-release is older
                  {"0.1.0_alpha_p2", "0.1.0_alpha", 1},
                  {"1.0_rc1", "1.0-r0", -1},
                  {"1.0_p1", "1.0-r9", 1}});
}

TEST(VersionApk, RevisionsAndHashes) {
    expect_cases({{"1.0-r10", "1.0-r9", 1},
                  {"1.0-r0", "1.0", 1},  // any revision is newer than none
                  {"1.0~1234", "1.0~2345", -1},
                  {"1.0~1234-r1", "1.0~2345-r0", -1},
                  {"1.0~1234-r1", "1.0~1234-r0", 1},
                  {"1.0~abc", "1.0", 1},
                  {"1.0~abc", "1.0-r1", 1}});
}

TEST(VersionApk, InvalidVersionsStillOrderDeterministically) {
    // Compared by their valid prefix; the bad token sorts before anything but a pre-release.
    expect_cases({{"1.0@", "1.0", -1},
                  {"1.0@", "1.0_rc1", 1},
                  {"1.0@", "1.0#", 0},
                  {"1.18.-r2", "1.18-r2", -1},
                  {"abc", "xyz", 0},
                  {"0.9.8zh", "0.9.8zg", 0},  // one letter only: both go bad at the 'h'/'g' 
                  {"", "", 0},
                  {"", "1", -1}});
}

TEST(VersionApk, Validity) {
    for (const char* valid : {"1.36.1-r15", "2.9.11_pre20061021-r2", "1.2.4_git20230717-r4",
                              "3.0.0_alpha1", "1.2.3a", "9.1_p1-r0", "0.1_pre2~1234abcd",
                              "0.1_p1_pre2", "006", "1.0~0123-r0"})
        EXPECT_TRUE(apk_version_valid(valid)) << valid << ": " << apk_version_problem(valid);
    const std::vector<std::pair<const char*, std::string>> invalid = {
        {"", "version does not start with a digit"},
        {"a1", "version does not start with a digit"},
        {".1", "version does not start with a digit"},
        {"1.", "'.' must be followed by a number"},
        {"1..2", "'.' must be followed by a number"},
        {"0.1bc", "a letter may only follow a number"},
        {"0.1a1", "a number may not follow a letter"},
        {"0.1a.1", "'.' may only follow a number"},
        {"0.1_foo1", "unknown suffix (known: alpha beta pre rc cvs svn git hg p)"},
        {"0.1_", "unknown suffix (known: alpha beta pre rc cvs svn git hg p)"},
        {"0.1_1_alpha", "unknown suffix (known: alpha beta pre rc cvs svn git hg p)"},
        {"0.1~", "'~' must be followed by lower-case hex digits"},
        {"0.1~12x4", "a letter may only follow a number"},
        {"0.1-r", "-r must be followed by a number"},
        {"0.1-1", "'-' must start -r<number>"},
        {"0.1-r1-r2", "a second -r revision"},
        {"0.1-r1_p1", "'_' suffix after the ~hash or -r"},
        {"0.1-r1~ab", "'~' hash after another ~hash or -r"},
        {"0.1-r2.1", "'.' may only follow a number"},
        {"1.0 ", "unexpected character"},
    };
    for (const auto& [version, problem] : invalid) {
        const char* found = apk_version_problem(version);
        ASSERT_NE(found, nullptr) << version;
        EXPECT_EQ(found, problem) << version;
    }
    EXPECT_EQ(check_version(VersionScheme::Apk, "1.0-1").message(),
              "apk version '1.0-1': '-' must start -r<number>");
}

// ---- The order's laws over real versions ---------------------------------------------------

// Every non-"0" event version of the OSV records in an all.zip.
std::set<std::string> osv_versions(const fs::path& zip_path) {
    std::set<std::string> found;
    std::string error;
    bool opened = test_support::for_each_osv_record(
        zip_path,
        [&](const nlohmann::json& record) {
            test_support::for_each_event_version(
                record,
                [&](const std::string&, const std::string& kind, const std::string& version) {
                    if (kind != "limit") found.insert(version);
                });
        },
        &error);
    if (!opened) ADD_FAILURE() << zip_path << ": " << error;
    return found;
}

// The V: lines of the apk fixtures' installed databases.
std::set<std::string> fixture_versions(const fs::path& fixtures) {
    std::set<std::string> found;
    if (!fs::is_directory(fixtures)) return found;
    for (const auto& entry : fs::recursive_directory_iterator(fixtures)) {
        if (!entry.is_regular_file() || entry.path().filename() != "installed") continue;
        std::ifstream in(entry.path());
        for (std::string line; std::getline(in, line);)
            if (line.rfind("V:", 0) == 0) found.insert(line.substr(2));
    }
    return found;
}

TEST(VersionApkProperties, RealVersionsFormATotalOrder) {
    const fs::path shared = MOAT_SHARED_DIR;
    std::set<std::string> corpus = osv_versions(shared / "vulndb/Alpine/all.zip");
    ASSERT_GT(corpus.size(), 1000u);
    const std::set<std::string> installed = fixture_versions(shared / "fixtures/apk");
    ASSERT_GT(installed.size(), 20u);
    corpus.insert(installed.begin(), installed.end());

    // Alpine's secdb has a few typos; they must be the only versions found invalid.
    std::set<std::string> invalid;
    for (const auto& version : corpus)
        if (!apk_version_valid(version)) invalid.insert(version);
    EXPECT_EQ(invalid, (std::set<std::string>{"0.12.5.-r0", "0.8.21.r2", "1.0.4.-r0", "1.11-20-r0",
                                              "1.18.-r2", "1.7.5.-r1", "10.2.22.r0", "10.2.24.r0",
                                              "10.2.26.r0", "2.15.r-r1", "2.7.16-33", "4.10-1-r1",
                                              "4.8.0.-r1", "57-1-r2", "6.6.2p1-r0"}));

    // Antisymmetry and reflexivity on every pair.
    const std::vector<std::string> versions(corpus.begin(), corpus.end());
    size_t pairs = 0, equal_pairs = 0;
    for (size_t i = 0; i < versions.size(); ++i) {
        ASSERT_EQ(apk_version_compare(versions[i], versions[i]), 0) << versions[i];
        for (size_t j = i + 1; j < versions.size(); ++j, ++pairs) {
            const int forward = sign(apk_version_compare(versions[i], versions[j]));
            ASSERT_EQ(forward, -sign(apk_version_compare(versions[j], versions[i])))
                << versions[i] << " vs " << versions[j];
            equal_pairs += forward == 0;
        }
    }
    // Distinct valid strings are distinct versions but for leading zeros of the first number.
    EXPECT_LT(equal_pairs, 10u);

    // Real versions and edits of them that exercise suffixes, hashes and revisions: sorted,
    // every earlier one must be <= every later one (the sort is consistent, the order total).
    std::mt19937 random(20261123);
    std::vector<std::string> pool = versions;
    const std::vector<std::string> tails = {"_rc1", "_p1", "_alpha", "-r1", "a", ".0", "_git1",
                                            "~ab12", "_pre2_p1", "-r0", ".01", "_beta_p"};
    for (size_t i = 0; i < 2000; ++i)
        pool.push_back(versions[random() % versions.size()] + tails[random() % tails.size()]);
    std::stable_sort(pool.begin(), pool.end(), [](const auto& a, const auto& b) {
        return apk_version_compare(a, b) < 0;
    });
    for (size_t i = 0; i < pool.size(); ++i)
        for (size_t j = i + 1; j < pool.size(); ++j)
            ASSERT_LE(apk_version_compare(pool[i], pool[j]), 0)
                << pool[i] << " sorts before " << pool[j];

    // Transitivity on triples of near neighbours in that order, where a slip would show.
    size_t triples = 0;
    for (; triples < 100000; ++triples) {
        const size_t i = random() % pool.size();
        const std::string& a = pool[i];
        const std::string& b = pool[std::min(pool.size() - 1, i + random() % 8)];
        const std::string& c = pool[random() % 2 ? std::min(pool.size() - 1, i + random() % 16)
                                                 : random() % pool.size()];
        const int ab = apk_version_compare(a, b), bc = apk_version_compare(b, c);
        const int ac = apk_version_compare(a, c);
        if (ab <= 0 && bc <= 0) {
            ASSERT_LE(ac, 0) << a << " <= " << b << " <= " << c;
        }
        if (ab >= 0 && bc >= 0) {
            ASSERT_GE(ac, 0) << a << " >= " << b << " >= " << c;
        }
    }
    std::cout << "[ apk      ] " << versions.size() << " real versions: " << pairs
              << " pairs antisymmetric, " << triples
              << " triples transitive, " << pool.size()
              << " real and edited versions sorted consistently\n";
}

}  // namespace
}  // namespace moat
