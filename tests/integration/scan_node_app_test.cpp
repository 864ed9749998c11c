// The Node application layer of the real test image (../shared/tools/make-test-image.sh: /app with
// node_modules installed by `npm ci` from a pinned, vulnerable package-lock.json). What a user
// would check:
//  - `moat sbom` lists exactly the packages `npm ls --all --json` prints (expected/npm-ls.json),
//    each read from its installed node_modules/<name>/package.json in layer 3, for the OCI
//    layout and the docker-archive alike, and not the application itself;
//  - `moat scan` reports every advisory of the curated expected/npm-advisories.tsv that
//    ../shared/vulndb/npm holds, for the right package and installed version, with the
//    advisory's severity and a fixed version outside the vulnerable range.
// scripts/test.sh builds the image and sets MOAT_TEST_IMAGE_DIR; without it these tests skip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/full_database.h"
#include "support/run_command.h"
#include "support/tsv.h"
#include "test_support/osv_zip.h"

namespace moat::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using NameVersion = std::pair<std::string, std::string>;

const fs::path kSharedDir = MOAT_SHARED_DIR;

// Every (name, version) of an `npm ls --all --json` tree.
void collect_npm_ls(const json& node, std::set<NameVersion>& out) {
    if (!node.contains("dependencies")) return;
    for (const auto& [name, dependency] : node["dependencies"].items()) {
        if (dependency.contains("version")) out.emplace(name, dependency["version"].get<std::string>());
        collect_npm_ls(dependency, out);
    }
}

class NodeAppScan : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const char* dir = std::getenv("MOAT_TEST_IMAGE_DIR");
        if (!dir || !fs::exists(fs::path(dir) / "expected" / "npm-ls.json")) return;
        image_dir_ = new fs::path(dir);
    }
    static void TearDownTestSuite() {
        delete image_dir_;
        image_dir_ = nullptr;
    }
    void SetUp() override {
        if (!image_dir_) GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR is not set (scripts/test.sh sets it)";
    }

    static std::string oci_ref() { return "oci:" + (*image_dir_ / "oci").string() + ":1.0"; }
    static std::string archive_ref() { return "docker-archive:" + (*image_dir_ / "image.tar").string(); }

    static json run_json(const std::vector<std::string>& argv) {
        auto result = run_command(argv);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return json::parse(result.out, nullptr, false);
    }

    static inline fs::path* image_dir_ = nullptr;
};

TEST_F(NodeAppScan, SbomListsExactlyWhatNpmLsPrints) {
    std::set<NameVersion> expected;
    collect_npm_ls(json::parse(std::ifstream(*image_dir_ / "expected/npm-ls.json")), expected);
    ASSERT_EQ(expected.size(), 19u);
    std::map<std::string, std::string> path_of;  // name -> expected manifest path
    for (const auto& row : read_tsv(*image_dir_ / "expected/npm-packages.tsv"))
        path_of[row.at("name")] = row.at("path").substr(1) + "/package.json";

    for (const auto& ref : {oci_ref(), archive_ref()}) {
        SCOPED_TRACE(ref);
        json sbom = run_json({MOAT_BINARY, "sbom", ref, "--format", "json", "--quiet"});
        ASSERT_TRUE(sbom.is_object());
        const auto& layers = sbom["image"]["layers"];
        ASSERT_EQ(layers.size(), 4u);
        std::set<NameVersion> found;
        for (const auto& package : sbom["packages"]) {
            if (package["type"] != "npm") continue;
            std::string name = package["name"];
            EXPECT_TRUE(found.emplace(name, package["version"].get<std::string>()).second)
                << name << " reported twice";
            EXPECT_EQ(package["path"], path_of[name]) << name;
            EXPECT_EQ(package["layer"], layers[2]["digest"]) << name << " should come from layer 3";
            EXPECT_EQ(package["purl"], "pkg:npm/" + name + "@" + package["version"].get<std::string>());
        }
        EXPECT_EQ(found, expected);
    }
}

TEST_F(NodeAppScan, ScanReportsEveryCuratedAdvisoryTheDataHolds) {
    // GHSA id -> its record, for the advisories ../shared/vulndb/npm holds.
    std::map<std::string, json> held;
    test_support::for_each_zip_record(kSharedDir / "vulndb/npm/all.zip", "\"GHSA-", [&](const json& record) {
        held[record["id"].get<std::string>()] = record;
    });
    json report = run_json({MOAT_BINARY, "scan", oci_ref(), "--format", "json", "--quiet", "--skip-db-update",
                            "--db", full_database().string()});
    ASSERT_TRUE(report.is_object());

    size_t checked = 0;
    for (const auto& row : read_tsv(*image_dir_ / "expected/npm-advisories.tsv")) {
        const std::string& ghsa = row.at("ghsa");
        if (!held.count(ghsa)) continue;
        ++checked;
        SCOPED_TRACE(row.at("package") + " " + ghsa + " " + row.at("cve"));
        const json* match = nullptr;
        for (const auto& finding : report["findings"]) {
            if (finding["kind"] != "vulnerability" || finding["package"]["type"] != "npm") continue;
            if (finding["package"]["name"] != row.at("package")) continue;
            bool named = finding["id"] == ghsa || finding["id"] == row.at("cve");
            for (const auto& alias : finding["aliases"]) named = named || alias == ghsa || alias == row.at("cve");
            if (named) match = &finding;
        }
        ASSERT_NE(match, nullptr) << "not reported";
        EXPECT_EQ((*match)["package"]["version"], row.at("installed"));
        std::string severity = row.at("severity") == "MODERATE" ? "MEDIUM" : row.at("severity");
        EXPECT_EQ((*match)["severity"], severity);
        EXPECT_EQ((*match)["status"], "fixed");
        EXPECT_TRUE((*match)["fixed_version"].is_string());
        EXPECT_EQ((*match)["fix"], "npm install " + row.at("package") + "@" + (*match)["fixed_version"].get<std::string>());
    }
    EXPECT_GE(checked, 10u) << "the data should hold most curated advisories";
    std::cout << "[ npm ] " << checked << " curated advisories held by the data, all reported\n";
}

}  // namespace
}  // namespace moat::testing
