// The secret scanner in the walker's one pass over a generated two-layer OCI image: secrets in
// files of the first layer (one of them deleted by the second), sensitive files by name, and
// the distribution's documentation and certificates left alone.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "analyze/secret/secret_scanner.h"
#include "image/image.h"
#include "image/observer_fanout.h"
#include "scanner/inventory_scanner.h"
#include "support/test_images.h"
#include "test_support/apt_mirror.h"

namespace moat::testing {
namespace {

// Built at run time: the test source holds no token-shaped strings.
std::string mixed(size_t length, unsigned seed) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string out;
    uint32_t state = seed * 2654435761u + 1u;
    for (size_t i = 0; i < length; ++i) {
        state = state * 1103515245u + 12345u;
        out += alphabet[(state >> 16) % alphabet.size()];
    }
    return out;
}

TEST(SecretScan, FindsSecretsAndSensitiveFilesInEveryLayerAndMarksDeletedOnes) {
    const std::string aws_id = std::string("AKIA") + "QX3TESTPUBLIC234";
    const std::string npm = std::string("npm_") + mixed(36, 1);
    std::string pem = std::string("-----BEGIN ") + "PRIVATE KEY-----\n";
    for (unsigned i = 0; i < 3; ++i) pem += mixed(64, 10 + i) + "\n";
    pem += "-----END PRIVATE KEY-----\n";

    ScratchDir scratch;
    Layer base = make_layer(TarBuilder()
                                .file("etc/os-release", os_release("debian", "12"))
                                .file("etc/apt/sources.list", "deb " + test_support::apt_mirror() + " bookworm main\n")
                                .file("etc/ssl/certs/ca-certificates.crt", pem)  // stands in for a bundle
                                .file("usr/share/doc/tool/README", "token: " + std::string("ghp_") + mixed(36, 2))
                                .file("app/.env", "PORT=8080\nAWS_ACCESS_KEY_ID=" + aws_id + "\n")
                                .file("app/main.py", "import os\nKEY = os.environ['API_KEY']\n")
                                .file("app/config/server.key", pem, 0600)
                                .file("app/.npmrc", "//npm.registry.example.invalid/:_authToken=" + npm + "\n")
                                .file("app/bin/tool", std::string("\x7f" "ELF\0\0\0", 7) + "password=hunter2hunter2")
                                .finish());
    Layer top = make_layer(TarBuilder().file("app/.wh..npmrc", "").file("app/new.txt", "hello\n").finish());
    write_oci_image(scratch.path() / "oci", {base, top});

    auto source = open_image("oci:" + (scratch.path() / "oci").string(), OpenOptions{});
    ASSERT_TRUE(source) << source.error().message;
    SecretScanner secrets;
    ObserverFanout fanout;
    fanout.add(&secrets);
    InventoryScanner scanner(default_package_analyzers());
    scanner.observe(&fanout);
    auto inventory = scanner.scan(**source);
    ASSERT_TRUE(inventory) << inventory.error().message;

    std::map<std::string, RiskFinding> found;  // "id path" -> finding
    for (auto& layered : secrets.take_findings()) {
        layered.finding.deleted = fanout.deletions().deleted(layered.finding.path, layered.layer_index);
        EXPECT_EQ(layered.finding.layer, fanout.layer_digest(layered.layer_index));
        found[layered.finding.id + " " + layered.finding.path] = layered.finding;
    }
    std::vector<std::string> keys;
    for (const auto& [key, finding] : found) keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"aws-access-key-id app/.env", "npm-access-token app/.npmrc",
                                              "private-key app/config/server.key",
                                              "sensitive-file-npmrc app/.npmrc",
                                              "sensitive-file-private-key app/config/server.key"}));

    const RiskFinding& aws = found["aws-access-key-id app/.env"];
    EXPECT_EQ(aws.kind, "secret");
    EXPECT_EQ(aws.line, 2u);
    EXPECT_EQ(aws.match, "AKIA************C234");
    EXPECT_EQ(aws.layer, base.digest());
    EXPECT_FALSE(aws.deleted);

    const RiskFinding& token = found["npm-access-token app/.npmrc"];
    EXPECT_TRUE(token.deleted) << "the second layer deletes .npmrc; the token is still in the first";
    EXPECT_EQ(token.layer, base.digest());
    EXPECT_EQ(token.match.find(npm.substr(4, 28)), std::string::npos);
    EXPECT_TRUE(found["sensitive-file-npmrc app/.npmrc"].deleted);

    const RiskFinding& key = found["private-key app/config/server.key"];
    EXPECT_EQ(key.line, 2u);
    EXPECT_FALSE(key.deleted);
    EXPECT_GE(secrets.stats().skipped_binary, 1u);
    EXPECT_GE(secrets.stats().skipped_by_path, 1u);
}

}  // namespace
}  // namespace moat::testing
