// `moat scan` of the real test image for what is not a vulnerability: the image-config risks
// the image was built with (no USER, cloud keys in ENV), nothing from the baseline checks on a
// stock Debian base, and --scanners selecting kinds. expected/findings.json is the image's
// oracle of planted risks. scripts/test.sh sets MOAT_TEST_IMAGE_DIR; without it these skip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/run_command.h"

namespace moat::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class RiskScanOfTestImage : public ::testing::Test {
protected:
    void SetUp() override {
        const char* dir = std::getenv("MOAT_TEST_IMAGE_DIR");
        if (!dir || !fs::exists(fs::path(dir) / "oci")) GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR is not set";
        image_dir_ = dir;
    }
    CommandResult scan(const std::vector<std::string>& extra) {
        std::vector<std::string> argv = {MOAT_BINARY, "scan", "oci:" + (image_dir_ / "oci").string() + ":1.0",
                                         "--format", "json", "--quiet", "--skip-db-update", "--offline"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_command(argv);
    }
    static std::vector<json> of_kind(const json& report, const std::string& kind) {
        std::vector<json> out;
        for (const auto& finding : report["findings"])
            if (finding["kind"] == kind) out.push_back(finding);
        return out;
    }
    fs::path image_dir_;
};

TEST_F(RiskScanOfTestImage, ConfigRisksOfTheImageAreReportedWithoutLayer) {
    auto scanned = scan({"--scanners", "config,baseline"});
    ASSERT_EQ(scanned.exit_code, 0) << scanned.err;
    json report = json::parse(scanned.out);
    std::set<std::string> seen;
    for (const auto& finding : of_kind(report, "config")) {
        seen.insert(finding["id"].get<std::string>() + " " + finding["path"].get<std::string>());
        EXPECT_FALSE(finding.contains("layer")) << finding.dump();
        EXPECT_TRUE(finding["title"].is_string() && finding["fix"].is_string()) << finding.dump();
        EXPECT_EQ(finding["evidence"].get<std::string>().find("fPub1ic"), std::string::npos) << "no secret in evidence";
    }
    EXPECT_TRUE(seen.count("CIS-DI-0001 image-config:User")) << "no USER: runs as root";
    EXPECT_TRUE(seen.count("CIS-DI-0010 image-config:Env[AWS_SECRET_ACCESS_KEY]"));
    EXPECT_TRUE(seen.count("CIS-DI-0006 image-config:Healthcheck"));
    EXPECT_TRUE(of_kind(report, "baseline").empty()) << "a stock Debian base has no baseline finding: "
                                                      << report["findings"].dump();
    EXPECT_TRUE(of_kind(report, "vulnerability").empty()) << "not selected";
    size_t counted = 0;
    for (const auto& [severity, count] : report["summary"].items()) counted += count.get<size_t>();
    EXPECT_EQ(counted, report["findings"].size());
}

// The image's oracle (expected/findings.json) lists the planted malware: each is reported with
// its rule id, path, layer and digest, and nothing else is (a stock Debian base and npm
// packages are clean).
TEST_F(RiskScanOfTestImage, PlantedMalwareIsReportedAndNothingElse) {
    json oracle = json::parse(std::ifstream(image_dir_ / "expected/findings.json"));
    auto scanned = scan({"--scanners", "malware"});
    ASSERT_EQ(scanned.exit_code, 0) << scanned.err;
    json report = json::parse(scanned.out);
    const auto& layers = report["image"]["layers"];
    auto found = of_kind(report, "malware");
    ASSERT_EQ(found.size(), oracle["malware"].size()) << report["findings"].dump();
    for (const auto& planted : oracle["malware"]) {
        SCOPED_TRACE(planted.dump());
        ASSERT_EQ(planted["name"], "EICAR-Test-File");
        const json& finding = found[0];
        EXPECT_EQ(finding["id"], "eicar-test-file");
        EXPECT_EQ(finding["severity"], "CRITICAL");
        EXPECT_EQ("/" + finding["path"].get<std::string>(), planted["path"]);
        EXPECT_EQ(finding["layer"], layers[planted["layer"].get<size_t>() - 1]["digest"]);
        EXPECT_EQ(finding["sha256"], planted["sha256"]);
        EXPECT_FALSE(finding.contains("deleted"));
    }
}

// Every planted secret of the oracle is reported with its rule id, where it is (file and layer,
// or the config field), deleted when a later layer removed the file, and redacted; a stock
// Debian base and npm packages give no other secret finding than the sensitive-file notes of
// those same planted files.
TEST_F(RiskScanOfTestImage, PlantedSecretsAreReportedRedactedAndNothingElse) {
    json oracle = json::parse(std::ifstream(image_dir_ / "expected/findings.json"));
    auto scanned = scan({"--scanners", "secret"});
    ASSERT_EQ(scanned.exit_code, 0) << scanned.err;
    json report = json::parse(scanned.out);
    const auto& layers = report["image"]["layers"];
    auto found = of_kind(report, "secret");
    std::set<std::string> planted_paths;
    for (const auto& planted : oracle["secrets"]) {
        SCOPED_TRACE(planted.dump());
        const bool in_config = planted["where"] == "config.Env";
        std::string path = in_config ? "image-config:Env[" + planted["key"].get<std::string>() + "]"
                                     : planted["path"].get<std::string>().substr(1);
        planted_paths.insert(path);
        const json* match = nullptr;
        for (const auto& finding : found)
            if (finding["id"] == planted["rule"] && finding["path"] == path) match = &finding;
        ASSERT_NE(match, nullptr) << "not reported: " << report["findings"].dump();
        if (in_config) {
            EXPECT_FALSE(match->contains("layer"));
        } else {
            EXPECT_EQ((*match)["layer"], layers[planted["layer"].get<size_t>() - 1]["digest"]);
            EXPECT_EQ(match->value("deleted", false), !planted["in_final_filesystem"].get<bool>());
            EXPECT_GT((*match)["line"].get<int>(), 0);
        }
        if (planted.contains("match")) {
            std::string secret = planted["match"], shown = (*match)["match"];
            EXPECT_EQ(shown.size(), secret.size());
            EXPECT_EQ(shown.find(secret.substr(4, secret.size() - 8)), std::string::npos) << "not redacted: " << shown;
        }
    }
    for (const auto& finding : found)
        EXPECT_TRUE(planted_paths.count(finding["path"].get<std::string>())) << "unexpected: " << finding.dump();
}

TEST_F(RiskScanOfTestImage, UnknownScannerIsAUsageError) {
    auto scanned = scan({"--scanners", "vuln,viruses"});
    EXPECT_EQ(scanned.exit_code, 2);
    EXPECT_NE(scanned.err.find("unknown scanner 'viruses'"), std::string::npos) << scanned.err;
    EXPECT_TRUE(scanned.out.empty());
}

TEST_F(RiskScanOfTestImage, ExitCodeAndSeverityApplyToRiskFindings) {
    auto scanned = scan({"--scanners", "config", "--exit-code", "5", "--severity", "HIGH"});
    EXPECT_EQ(scanned.exit_code, 5) << scanned.err;
    json report = json::parse(scanned.out);
    for (const auto& finding : report["findings"]) EXPECT_NE(finding["severity"], "LOW");
    auto low = scan({"--scanners", "config", "--severity", "LOW,MEDIUM"});
    EXPECT_EQ(of_kind(json::parse(low.out), "config").size(), 1u) << "only CIS-DI-0006 is LOW";
    // The ignore file takes rule ids too.
    fs::path ignorefile = fs::temp_directory_path() / ("moat-ignore-" + std::to_string(::getpid()));
    std::ofstream(ignorefile) << "CIS-DI-0006\nCIS-DI-0010\n";
    auto ignored = scan({"--scanners", "config", "--ignorefile", ignorefile.string()});
    fs::remove(ignorefile);
    std::set<std::string> ids;
    json kept = json::parse(ignored.out);
    for (const auto& finding : kept["findings"]) ids.insert(finding["id"].get<std::string>());
    EXPECT_EQ(ids, std::set<std::string>{"CIS-DI-0001"}) << ignored.err;
}

}  // namespace
}  // namespace moat::testing
