#include "report/sbom_reader.h"

#include <gtest/gtest.h>

#include "report/sbom_report.h"

namespace moat {
namespace {

ImageInventory sample_inventory() {
    ImageInventory inventory;
    inventory.image.ref = "oci:out/app:1.0";
    inventory.image.manifest_digest = "sha256:aa";
    inventory.image.config_digest = "sha256:cc";
    inventory.image.layers = {{"sha256:l1", "sha256:d1", "", 0}, {"sha256:l2", "sha256:d2", "", 0}};
    inventory.os = OsInfo{"debian", "12", "bookworm", "Debian GNU/Linux 12 (bookworm)", false};
    Package deb;
    deb.type = "deb";
    deb.name = "libssl3";
    deb.version = "3.0.11-1~deb12u2";
    deb.arch = "amd64";
    deb.source_name = "openssl";
    deb.source_version = "3.0.11-1~deb12u2";
    deb.licenses = {"Apache-2.0"};
    deb.path = "var/lib/dpkg/status";
    deb.layer = "sha256:l1";
    Package rpm;
    rpm.type = "rpm";
    rpm.name = "openssl-libs";
    rpm.version = "3.0.7";
    rpm.release = "24.el9";
    rpm.epoch = 1;
    rpm.source_name = "openssl";
    rpm.source_version = "3.0.7";
    rpm.source_release = "24.el9";
    rpm.source_epoch = 1;
    rpm.path = "var/lib/rpm/rpmdb.sqlite";
    rpm.layer = "sha256:l1";
    Package npm;
    npm.type = "npm";
    npm.name = "lodash";
    npm.version = "4.17.20";
    npm.dev = true;
    npm.path = "app/node_modules/lodash/package.json";
    npm.layer = "sha256:l2";
    inventory.packages = {deb, rpm, npm};
    return inventory;
}

TEST(SbomReader, ReadsBackWhatMoatSbomWrites) {
    ImageInventory original = sample_inventory();
    auto read = inventory_from_sbom_json(sbom_json(original).dump());
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(read->image.ref, original.image.ref);
    EXPECT_EQ(read->image.manifest_digest, "sha256:aa");
    ASSERT_EQ(read->image.layers.size(), 2u);
    EXPECT_EQ(read->image.layers[1].diff_id, "sha256:d2");
    ASSERT_TRUE(read->os.has_value());
    EXPECT_EQ(read->os->codename, "bookworm");
    ASSERT_EQ(read->packages.size(), 3u);
    const Package& deb = read->packages[0];
    EXPECT_EQ(deb.source_version, "3.0.11-1~deb12u2");
    EXPECT_EQ(deb.licenses, std::vector<std::string>{"Apache-2.0"});
    EXPECT_EQ(deb.layer, "sha256:l1");
    const Package& rpm = read->packages[1];
    EXPECT_EQ(rpm.epoch, 1);
    EXPECT_EQ(rpm.source_epoch, 1);
    EXPECT_EQ(rpm.release, "24.el9");
    EXPECT_TRUE(read->packages[2].dev);
    // Writing what was read gives the same document: nothing the matcher uses is lost.
    EXPECT_EQ(sbom_json(*read).dump(), sbom_json(original).dump());
}

TEST(SbomReader, NoOsStaysNoOs) {
    ImageInventory original = sample_inventory();
    original.os.reset();
    auto read = inventory_from_sbom_json(sbom_json(original).dump());
    ASSERT_TRUE(read.ok());
    EXPECT_FALSE(read->os.has_value());
}

TEST(SbomReader, MalformedDocumentsAreErrorsNamingThePlace) {
    EXPECT_FALSE(inventory_from_sbom_json("[]").ok());
    EXPECT_FALSE(inventory_from_sbom_json(R"({"image": {}})").ok());
    auto bad = inventory_from_sbom_json(R"({"packages": [{"type": "deb", "name": "a"}, 7]})");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("packages[1]"), std::string::npos);
}

}  // namespace
}  // namespace moat
