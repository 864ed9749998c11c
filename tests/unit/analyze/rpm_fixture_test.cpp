// Every rpm and rpm-manifest case in shared/fixtures, run through RpmAnalyzer as a filesystem
// root, checked against the peer's expected.json read in that peer's version_format.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "../support/dir_file_view.h"
#include "../support/fixture_cases.h"
#include "analyze/pkg/rpm_analyzer.h"

namespace moat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct FixtureCase {
    std::string category;
    std::string name;
    fs::path dir;
};

void PrintTo(const FixtureCase& fixture, std::ostream* out) {
    *out << fixture.category << "/" << fixture.name;
}

std::vector<FixtureCase> rpm_fixture_cases() {
    std::vector<FixtureCase> cases;
    for (const char* category : {"rpm", "rpm-manifest"}) {
        const fs::path root = testing::shared_dir() / "fixtures" / category;
        if (!fs::is_directory(root)) continue;
        // Sorted within the category; "rpm" sorts before "rpm-manifest", so all are sorted.
        for (const auto& dir : testing::fixture_case_dirs(root))
            cases.push_back({category, dir.filename().string(), dir});
    }
    return cases;
}

using testing::load_json;

std::string epoch_text(const std::optional<long>& epoch) {
    return epoch ? std::to_string(*epoch) : "none";
}

std::string describe(const Package& package) {
    return fmt::format("{} epoch={} version={} release={} arch={}", package.name,
                       epoch_text(package.epoch), package.version, package.release, package.arch);
}

// Differences between one expected package, read in its case's version_format, and ours.
std::vector<std::string> mismatches(const json& expected, const Package& actual,
                                    const std::string& version_format) {
    std::vector<std::string> problems;
    auto check = [&](const char* field, const std::string& want, const std::string& got) {
        if (want != got)
            problems.push_back(fmt::format("{}: want '{}', got '{}'", field, want, got));
    };
    auto optional_long = [&](const char* key) -> std::optional<long> {
        if (!expected.contains(key)) return std::nullopt;
        return expected.at(key).get<long>();
    };
    const std::optional<long> want_epoch = optional_long("epoch");
    const std::string version_release = actual.version + "-" + actual.release;

    if (version_format.starts_with("rpmdb-split")) {
        check("version", expected.value("version", ""), actual.version);
        check("release", expected.value("release", ""), actual.release);
        check("epoch", epoch_text(want_epoch),
              epoch_text(actual.epoch));  // absent tag vs 0 matters
    } else if (version_format.starts_with("trivy-split")) {
        check("version", expected.value("version", ""), actual.version);
        check("release", expected.value("release", ""), actual.release);
        check("epoch", std::to_string(want_epoch.value_or(0)),
              std::to_string(actual.epoch.value_or(0)));
        if (expected.contains("src_name"))
            check("src_name", expected["src_name"], actual.source_name);
        if (expected.contains("src_version"))
            check("src_version", expected["src_version"], actual.source_version);
        if (expected.contains("src_release"))
            check("src_release", expected["src_release"], actual.source_release);
        check("src_epoch", std::to_string(optional_long("src_epoch").value_or(0)),
              std::to_string(actual.source_epoch.value_or(0)));
    } else if (version_format.starts_with("osv-scalibr")) {
        check("version", expected.value("version", ""), version_release);
        check("epoch", std::to_string(want_epoch.value_or(0)),
              std::to_string(actual.epoch.value_or(0)));
    } else if (version_format.starts_with("syft")) {
        const std::string prefix = actual.epoch ? std::to_string(*actual.epoch) + ":" : "";
        check("version", expected.value("version", ""), prefix + version_release);
        if (expected.contains("metadata_version"))
            check("metadata_version", expected["metadata_version"], actual.version);
        if (expected.contains("release")) check("release", expected["release"], actual.release);
        check("epoch", epoch_text(want_epoch), epoch_text(actual.epoch));
    } else {
        problems.push_back("unknown version_format: " + version_format);
    }

    if (expected.contains("arch")) check("arch", expected["arch"], actual.arch);
    if (expected.contains("source_rpm"))
        check("source_rpm", expected["source_rpm"],
              fmt::format("{}-{}-{}.src.rpm", actual.source_name, actual.source_version,
                          actual.source_release));
    if (expected.contains("license"))
        check("license", expected["license"],
              actual.licenses.empty() ? "" : actual.licenses.front());
    if (expected.contains("licenses")) {
        auto want = expected["licenses"].get<std::vector<std::string>>();
        if (want != actual.licenses)
            problems.push_back(fmt::format("licenses: want [{}], got [{}]", fmt::join(want, ", "),
                                           fmt::join(actual.licenses, ", ")));
    }
    return problems;
}

class RpmFixtureTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(RpmFixtureTest, ProducesThePeersPackages) {
    const FixtureCase& fixture = GetParam();
    const json expected = load_json(fixture.dir / "expected.json");
    const std::string version_format = expected.at("version_format");

    testing::DirFileView files(fixture.dir / "input");
    std::vector<std::string> warnings;
    const std::vector<Package> packages = RpmAnalyzer().analyze(files, AnalysisContext{}, warnings);
    EXPECT_TRUE(warnings.empty()) << fmt::format("{}", fmt::join(warnings, "\n"));

    const json& wanted = expected.at("packages");
    for (const json& want : wanted) {
        const std::string name = want.at("name");
        std::vector<std::string> closest;
        bool found = false;
        for (const Package& actual : packages) {
            if (actual.name != name) continue;
            auto problems = mismatches(want, actual, version_format);
            if (problems.empty()) {
                found = true;
                break;
            }
            closest = problems;
        }
        EXPECT_TRUE(found) << name << ": "
                           << (closest.empty() ? "not found"
                                               : fmt::format("{}", fmt::join(closest, "; ")));
    }

    if (expected.value("complete", false)) {
        EXPECT_EQ(packages.size(), wanted.size());
    }
    if (expected.value("order_sensitive", false)) {
        std::vector<std::string> want_order, got_order;
        for (const json& want : wanted) want_order.push_back(want.at("name"));
        for (const Package& actual : packages) got_order.push_back(actual.name);
        EXPECT_EQ(got_order, want_order);
    }
    // Facts the fixture author read from the input itself (row count, name index).
    if (expected.contains("input_derived")) {
        const json& derived = expected["input_derived"];
        if (derived.contains("packages_table_rows")) {
            EXPECT_EQ(packages.size(), derived["packages_table_rows"].get<size_t>());
        }
        if (derived.contains("name_index_keys")) {
            std::set<std::string> want_names =
                derived["name_index_keys"].get<std::set<std::string>>();
            std::set<std::string> got_names;
            for (const Package& actual : packages) got_names.insert(actual.name);
            EXPECT_EQ(got_names, want_names);
        }
    }

    const std::vector<std::string> targets = expected.at("targets");
    for (const Package& actual : packages) {
        EXPECT_EQ(actual.type, "rpm");
        EXPECT_NE(std::find(targets.begin(), targets.end(), actual.path), targets.end())
            << describe(actual);
    }
}

std::string case_label(const ::testing::TestParamInfo<FixtureCase>& info) {
    std::string label = info.param.category + "_" + info.param.name;
    std::replace_if(
        label.begin(), label.end(),
        [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
    return label;
}

INSTANTIATE_TEST_SUITE_P(RpmFixtures, RpmFixtureTest, ::testing::ValuesIn(rpm_fixture_cases()),
                         case_label);

TEST(RpmFixtures, SharedCasesArePresent) {
    // Guards against the data-driven suite silently running zero cases.
    EXPECT_GE(rpm_fixture_cases().size(), 7u);
}

TEST(RpmFixtures, InstalledFilesAreFullPathsWithoutLeadingSlash) {
    testing::DirFileView files(testing::shared_dir() /
                               "fixtures/rpm/go-rpmdb-rhel8-libuuid-bdb/input");
    std::vector<std::string> warnings;
    auto packages = RpmAnalyzer().analyze(files, AnalysisContext{}, warnings);
    ASSERT_EQ(packages.size(), 1u);
    const auto& installed = packages[0].installed_files;
    EXPECT_NE(std::find(installed.begin(), installed.end(), "usr/lib64/libuuid.so.1"),
              installed.end());
    for (const std::string& path : installed) EXPECT_FALSE(path.starts_with("/")) << path;
    EXPECT_EQ(packages[0].source_name, "util-linux");
    EXPECT_EQ(packages[0].source_version, "2.32.1");
    EXPECT_EQ(packages[0].source_release, "42.el8_8");
    EXPECT_EQ(packages[0].licenses, std::vector<std::string>{"BSD"});
    EXPECT_FALSE(packages[0].epoch.has_value());
}

}  // namespace
}  // namespace moat
