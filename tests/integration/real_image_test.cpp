// The real test image from ../shared/tools/make-test-image.sh (Debian 12, four layers), read
// as an OCI layout and as a docker-archive: moat's package list must equal what dpkg-query
// reports for the unpacked root filesystem. scripts/test.sh builds the image and sets
// MOAT_TEST_IMAGE_DIR.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/run_command.h"

namespace moat::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class RealImage : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const char* dir = std::getenv("MOAT_TEST_IMAGE_DIR");
        if (!dir || !fs::exists(fs::path(dir) / "oci")) return;
        image_dir_ = new fs::path(dir);
        // The oracle: unpack the image with umoci and ask dpkg itself.
        rootfs_parent_ = new fs::path(fs::temp_directory_path() / ("moat-real-image-" + std::to_string(::getpid())));
        fs::remove_all(*rootfs_parent_);
        fs::create_directories(*rootfs_parent_);
        auto unpacked = run_command({"umoci", "raw", "unpack", "--image", (*image_dir_ / "oci").string() + ":1.0",
                                     (*rootfs_parent_ / "rootfs").string()});
        ASSERT_EQ(unpacked.exit_code, 0) << unpacked.err;
    }
    static void TearDownTestSuite() {
        if (rootfs_parent_) fs::remove_all(*rootfs_parent_);
    }
    void SetUp() override {
        if (!image_dir_) GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR is not set (scripts/test.sh sets it)";
    }

    static json sbom(const std::string& ref) {
        auto result = run_command({MOAT_BINARY, "sbom", ref, "--format", "json", "--quiet"});
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return json::parse(result.out, nullptr, false);
    }

    // name -> version of installed packages, per dpkg-query on the unpacked root.
    static std::map<std::string, std::string> dpkg_oracle() {
        auto listed = run_command({"dpkg-query", "--admindir=" + (*rootfs_parent_ / "rootfs/var/lib/dpkg").string(),
                                   "-W", "-f=${db:Status-Abbrev}\t${Package}\t${Version}\n"});
        EXPECT_EQ(listed.exit_code, 0) << listed.err;
        std::map<std::string, std::string> out;
        std::istringstream lines(listed.out);
        std::string status, name, version;
        while (std::getline(lines, status, '\t') && std::getline(lines, name, '\t') &&
               std::getline(lines, version))
            if (status.rfind("ii", 0) == 0) out[name] = version;
        return out;
    }

    static std::map<std::string, std::string> deb_packages(const json& report) {
        std::map<std::string, std::string> out;
        for (const auto& package : report["packages"])
            if (package["type"] == "deb") out[package["name"]] = package["version"];
        return out;
    }

    static inline fs::path* image_dir_ = nullptr;
    static inline fs::path* rootfs_parent_ = nullptr;
};

TEST_F(RealImage, OciLayoutPackagesEqualDpkgQuery) {
    json report = sbom("oci:" + (*image_dir_ / "oci").string() + ":1.0");
    ASSERT_TRUE(report.is_object());
    auto oracle = dpkg_oracle();
    ASSERT_GT(oracle.size(), 100u);
    EXPECT_EQ(deb_packages(report), oracle);
    EXPECT_EQ(report["os"]["family"], "debian");
    EXPECT_EQ(report["os"]["codename"], "bookworm");
    ASSERT_EQ(report["image"]["layers"].size(), 4u);
}

TEST_F(RealImage, DockerArchivePackagesEqualDpkgQuery) {
    json report = sbom("docker-archive:" + (*image_dir_ / "image.tar").string());
    ASSERT_TRUE(report.is_object());
    EXPECT_EQ(deb_packages(report), dpkg_oracle());
    ASSERT_EQ(report["image"]["layers"].size(), 4u);
}

// Every package keeps the layer that last wrote its database file: var/lib/dpkg/status was
// last rewritten by layer 2 (apt-get install), so that is every deb package's layer.
TEST_F(RealImage, PackagesCarryTheLayerThatLastWroteTheDatabase) {
    json report = sbom("oci:" + (*image_dir_ / "oci").string() + ":1.0");
    ASSERT_TRUE(report.is_object());
    std::string layer2 = report["image"]["layers"][1]["digest"];
    std::set<std::string> layers;
    for (const auto& package : report["packages"])
        if (package["type"] == "deb") {
            EXPECT_EQ(package["path"], "var/lib/dpkg/status");
            layers.insert(package["layer"].get<std::string>());
        }
    EXPECT_EQ(layers, std::set<std::string>{layer2});
}

TEST_F(RealImage, BothSourcesAgreeOnDiffIds) {
    json oci = sbom("oci:" + (*image_dir_ / "oci").string() + ":1.0");
    json archive = sbom("docker-archive:" + (*image_dir_ / "image.tar").string());
    ASSERT_TRUE(oci.is_object() && archive.is_object());
    for (size_t i = 0; i < 4; ++i)
        EXPECT_EQ(oci["image"]["layers"][i]["diff_id"], archive["image"]["layers"][i]["diff_id"]);
    EXPECT_EQ(oci["image"]["config_digest"], archive["image"]["config_digest"]);
}

}  // namespace
}  // namespace moat::testing
