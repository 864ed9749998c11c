// The real test image fully upgraded from bookworm, bookworm-updates and bookworm-security
// (scripts/make-upgraded-image.sh; scripts/test.sh exports MOAT_UPGRADED_ROOTFS) must have no
// OS-package finding with status "fixed": every installed package is at or past every fix the
// Debian data knows, so any such finding is a false positive. It is printed with its package,
// installed and fixed versions so that it can be diagnosed. Without the rootfs the tests skip.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/full_database.h"
#include "support/run_command.h"

namespace moat::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kSharedDir = MOAT_SHARED_DIR;


class UpgradedImageScan : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        const char* rootfs = std::getenv("MOAT_UPGRADED_ROOTFS");
        const char* image = std::getenv("MOAT_TEST_IMAGE_DIR");
        if (!rootfs || !image || !fs::exists(fs::path(rootfs) / "var/lib/dpkg/status")) return;
        rootfs_ = new fs::path(rootfs);
        image_dir_ = new fs::path(image);
        db_ = new fs::path(full_database());
    }
    static void TearDownTestSuite() {
        delete rootfs_;
        delete image_dir_;
        delete db_;
        rootfs_ = image_dir_ = db_ = nullptr;
    }
    void SetUp() override {
        if (!rootfs_)
            GTEST_SKIP() << "MOAT_UPGRADED_ROOTFS and MOAT_TEST_IMAGE_DIR are not set "
                            "(scripts/test.sh sets them with scripts/make-upgraded-image.sh)";
    }

    static CommandResult scan(const std::vector<std::string>& extra = {}) {
        std::vector<std::string> argv = {MOAT_BINARY,        "scan", "dir:" + rootfs_->string(),
                                         "--format",         "json", "--quiet",
                                         "--skip-db-update", "--db", db_->string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_command(argv);
    }

    // name -> version of the deb packages `moat sbom` lists for `ref`.
    static std::map<std::string, std::string> deb_packages(const std::string& ref) {
        auto listed = run_command({MOAT_BINARY, "sbom", ref, "--format", "json", "--quiet"});
        EXPECT_EQ(listed.exit_code, 0) << listed.err;
        json report = json::parse(listed.out, nullptr, false);
        std::map<std::string, std::string> out;
        if (!report.is_object()) return out;
        for (const auto& package : report["packages"])
            if (package["type"] == "deb") out[package["name"]] = package["version"];
        return out;
    }

    static inline fs::path* rootfs_ = nullptr;
    static inline fs::path* image_dir_ = nullptr;
    static inline fs::path* db_ = nullptr;
};

TEST_F(UpgradedImageScan, NoFixedFindingsAfterAFullUpgrade) {
    auto scanned = scan();
    ASSERT_EQ(scanned.exit_code, 0) << scanned.err;
    json report = json::parse(scanned.out, nullptr, false);
    ASSERT_TRUE(report.is_object()) << scanned.out.substr(0, 500);
    EXPECT_EQ(report["os"]["family"], "debian");
    // OS packages only: apt upgraded them; the image's npm packages in /app it did not touch.
    size_t false_positives = 0;
    for (const auto& finding : report["findings"]) {
        if (finding["kind"] != "vulnerability" || finding["package"]["type"] != "deb") continue;
        if (finding["status"] != "fixed") continue;
        ++false_positives;
        ADD_FAILURE() << "false positive: " << finding["id"].get<std::string>() << " "
                      << finding["aliases"].dump() << " in "
                      << finding["package"]["name"].get<std::string>() << " "
                      << finding["package"]["version"].get<std::string>() << " (source "
                      << finding["package"].value("source_name", "") << " "
                      << finding["package"].value("source_version", "") << "), fixed in "
                      << finding["fixed_version"].dump();
    }
    EXPECT_EQ(false_positives, 0u);

    // The same image before the upgrade does have fixed findings: the check above can fail.
    auto original =
        run_command({MOAT_BINARY, "scan", "oci:" + (*image_dir_ / "oci").string() + ":1.0",
                     "--format", "json", "--quiet", "--skip-db-update", "--db", db_->string(),
                     "--ignore-unfixed", "--exit-code", "7"});
    EXPECT_EQ(original.exit_code, 7) << original.err;
}

// apt upgraded every OS package; what stays fixable is the app's npm packages (and the test
// image's planted secrets and malware, other scanners). With those ids ignored, a vulnerability
// scan gated on fixable findings passes.
TEST_F(UpgradedImageScan, ExitCodeIsZeroWithoutFixableFindings) {
    auto first = scan({"--scanners", "vuln", "--ignore-unfixed"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    json report = json::parse(first.out);
    fs::path ignorefile = fs::temp_directory_path() / ("moat-upgraded-ignore-" + std::to_string(::getpid()));
    {
        std::ofstream out(ignorefile);
        for (const auto& finding : report["findings"]) {
            EXPECT_EQ(finding["package"]["type"], "npm") << finding.dump();
            out << finding["id"].get<std::string>() << "\n";
        }
    }
    auto scanned = scan({"--scanners", "vuln", "--ignore-unfixed", "--exit-code", "7", "--ignorefile", ignorefile.string()});
    fs::remove(ignorefile);
    EXPECT_EQ(scanned.exit_code, 0) << scanned.err;
}

// The upgrade really happened: at least the original's packages, and every package of the
// image's expected/debian-security-updates.tsv at or past the version the security suite had.
TEST_F(UpgradedImageScan, UpgradeReachedTheSecurityVersions) {
    auto original = deb_packages("oci:" + (*image_dir_ / "oci").string() + ":1.0");
    auto upgraded = deb_packages("dir:" + rootfs_->string());
    ASSERT_GT(original.size(), 100u);
    EXPECT_GE(upgraded.size(), original.size());
    for (const auto& [name, version] : original)
        EXPECT_TRUE(upgraded.count(name)) << name << " was removed";

    std::ifstream updates(*image_dir_ / "expected/debian-security-updates.tsv");
    ASSERT_TRUE(updates) << "expected/debian-security-updates.tsv is missing";
    std::string line;
    std::getline(updates, line);  // header: package installed fixed suite source
    size_t checked = 0;
    while (std::getline(updates, line)) {
        std::stringstream cells(line);
        std::string package, installed, fixed;
        std::getline(cells, package, '\t');
        std::getline(cells, installed, '\t');
        std::getline(cells, fixed, '\t');
        auto now = upgraded.find(package);
        ASSERT_NE(now, upgraded.end()) << package;
        EXPECT_EQ(run_command({"dpkg", "--compare-versions", now->second, "ge", fixed}).exit_code,
                  0)
            << package << " is at " << now->second << ", the security suite has " << fixed;
        ++checked;
    }
    EXPECT_GT(checked, 0u);
}

}  // namespace
}  // namespace moat::testing
