// `moat serve` with the clients users already have: skopeo copies the test image in and back
// with identical digests, podman pulls it. The test image comes from MOAT_TEST_IMAGE_DIR
// (scripts/test.sh); without it, or without the client, these tests skip.
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/registry_process.h"
#include "support/run_command.h"
#include "support/test_images.h"

namespace moat::testing {
namespace {

bool on_path(const std::string& program) {
    return run_command({"sh", "-c", "command -v " + program}).exit_code == 0;
}

fs::path test_image_layout() {
    const char* dir = std::getenv("MOAT_TEST_IMAGE_DIR");
    if (!dir || !fs::exists(fs::path(dir) / "oci" / "index.json")) return {};
    return fs::path(dir) / "oci";
}

std::string manifest_digest_of_layout(const fs::path& layout) {
    auto index = nlohmann::json::parse(read_file(layout / "index.json"));
    return index["manifests"][0]["digest"].get<std::string>();
}

TEST(RegistryClients, SkopeoCopiesTheImageInAndBackWithTheSameDigests) {
    fs::path layout = test_image_layout();
    if (layout.empty()) GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR is not set";
    if (!on_path("skopeo")) GTEST_SKIP() << "skopeo is not installed";
    ScratchDir scratch;
    RegistryProcess registry(scratch / "data");
    ASSERT_FALSE(registry.address().empty()) << registry.log();
    std::string reference = "docker://" + registry.address() + "/team/app:1.0";

    auto push = run_command({"skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout.string() + ":1.0", reference});
    ASSERT_EQ(push.exit_code, 0) << push.err << registry.log();
    auto pull = run_command({"skopeo", "copy", "--src-tls-verify=false", reference,
                             "oci:" + (scratch / "back").string() + ":1.0"});
    ASSERT_EQ(pull.exit_code, 0) << pull.err << registry.log();

    std::string digest = manifest_digest_of_layout(layout);
    EXPECT_EQ(manifest_digest_of_layout(scratch / "back"), digest);
    auto manifest = nlohmann::json::parse(read_file(scratch / "back" / "blobs" / "sha256" / digest.substr(7)));
    std::vector<std::string> blobs = {manifest["config"]["digest"]};
    for (const auto& layer : manifest["layers"]) blobs.push_back(layer["digest"]);
    for (const auto& blob : blobs)
        EXPECT_EQ(sha256_hex_of_file(scratch / "back" / "blobs" / "sha256" / blob.substr(7)), blob.substr(7));

    auto inspect = run_command({"skopeo", "inspect", "--tls-verify=false", "--raw", reference});
    EXPECT_EQ(sha256_of(inspect.out), digest) << "the registry serves the manifest bytes unchanged";
    auto tags = http_exchange(registry.address(), "GET", "/v2/team/app/tags/list");
    EXPECT_EQ(nlohmann::json::parse(tags.body)["tags"], nlohmann::json::array({"1.0"}));
}

TEST(RegistryClients, PodmanPullsTheImageOverPlainHttpAndTls) {
    fs::path layout = test_image_layout();
    if (layout.empty()) GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR is not set";
    if (!on_path("skopeo") || !on_path("podman")) GTEST_SKIP() << "skopeo or podman is not installed";
    if (::geteuid() != 0) GTEST_SKIP() << "podman pull runs as root here";
    ScratchDir scratch;
    RegistryProcess registry(scratch / "data");
    ASSERT_FALSE(registry.address().empty()) << registry.log();
    std::string image = registry.address() + "/team/app:1.0";
    auto push = run_command({"skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout.string() + ":1.0",
                             "docker://" + image});
    ASSERT_EQ(push.exit_code, 0) << push.err;

    // Private storage, so the test never touches the machine's own images.
    std::vector<std::string> podman = {"podman", "--root", (scratch / "root").string(), "--runroot",
                                       (scratch / "runroot").string(), "--storage-driver", "vfs"};
    auto pull_args = podman;
    pull_args.insert(pull_args.end(), {"pull", "--quiet", "--tls-verify=false", image});
    auto pull = run_command(pull_args);
    ASSERT_EQ(pull.exit_code, 0) << pull.err << registry.log();
    auto inspect_args = podman;
    inspect_args.insert(inspect_args.end(), {"image", "inspect", "--format", "{{.Digest}}", image});
    auto inspect = run_command(inspect_args);
    EXPECT_EQ(inspect.out.substr(0, inspect.out.find('\n')), manifest_digest_of_layout(layout)) << inspect.err;

    // And over TLS, trusting a CA the test makes: a second server on the same data directory.
    if (on_path("openssl")) {
        fs::create_directories(scratch / "certs");
        auto made = run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                                 "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                                 (scratch / "key.pem").string(), "-out", (scratch / "certs" / "ca.crt").string()});
        ASSERT_EQ(made.exit_code, 0) << made.err;
        RegistryProcess tls_registry(scratch / "data", {"--tls-cert", (scratch / "certs" / "ca.crt").string(),
                                                        "--tls-key", (scratch / "key.pem").string()});
        ASSERT_FALSE(tls_registry.address().empty()) << tls_registry.log();
        auto tls_pull = podman;
        tls_pull.insert(tls_pull.end(), {"pull", "--quiet", "--cert-dir", (scratch / "certs").string(),
                                         tls_registry.address() + "/team/app:1.0"});
        auto pulled = run_command(tls_pull);
        EXPECT_EQ(pulled.exit_code, 0) << pulled.err << tls_registry.log();
    }
    auto cleanup = podman;
    cleanup.insert(cleanup.end(), {"rmi", "--all", "--force"});
    (void)run_command(cleanup);
}

TEST(RegistryClients, SkopeoPushesAndPullsOverTlsWithATestCertificate) {
    fs::path layout = test_image_layout();
    if (layout.empty()) GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR is not set";
    if (!on_path("skopeo") || !on_path("openssl")) GTEST_SKIP() << "skopeo or openssl is not installed";
    ScratchDir scratch;
    fs::create_directories(scratch / "certs");
    auto made = run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                             "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                             (scratch / "key.pem").string(), "-out", (scratch / "certs" / "ca.crt").string()});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    RegistryProcess registry(scratch / "data", {"--tls-cert", (scratch / "certs" / "ca.crt").string(), "--tls-key",
                                                (scratch / "key.pem").string()});
    ASSERT_FALSE(registry.address().empty()) << registry.log();
    std::string reference = "docker://" + registry.address() + "/team/app:tls";
    std::string certs = (scratch / "certs").string();
    // Docker schema 2 on the way in, verified TLS both ways.
    auto push = run_command({"skopeo", "copy", "--dest-cert-dir", certs, "--format", "v2s2",
                             "oci:" + layout.string() + ":1.0", reference});
    ASSERT_EQ(push.exit_code, 0) << push.err << registry.log();
    auto inspect = run_command({"skopeo", "inspect", "--cert-dir", certs, "--raw", reference});
    ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
    EXPECT_EQ(nlohmann::json::parse(inspect.out)["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
    auto untrusted = run_command({"skopeo", "inspect", "--raw", reference});
    EXPECT_NE(untrusted.exit_code, 0) << "a client without the test CA must not trust the server";
}

TEST(RegistryServe, RefusesPlainHttpOnANonLoopbackAddress) {
    ScratchDir scratch;
    auto run = run_command({MOAT_BINARY, "serve", "--no-auth", "--listen", "0.0.0.0:0", "--data",
                            (scratch / "data").string()});
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_NE(run.err.find("--insecure-plain-http"), std::string::npos) << run.err;
}

TEST(RegistryServe, ServesBlobRangesAndHeadOverRealSockets) {
    ScratchDir scratch;
    RegistryProcess registry(scratch / "data");
    ASSERT_FALSE(registry.address().empty()) << registry.log();
    std::string content(300000, 'x');
    for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
    std::string digest = sha256_of(content);
    auto pushed = http_exchange(registry.address(), "POST", "/v2/team/app/blobs/uploads/?digest=" + digest, content);
    ASSERT_EQ(pushed.status, 201) << pushed.body;
    auto whole = http_exchange(registry.address(), "GET", "/v2/team/app/blobs/" + digest);
    EXPECT_EQ(whole.status, 200);
    EXPECT_TRUE(whole.body == content);
    auto head = http_exchange(registry.address(), "HEAD", "/v2/team/app/blobs/" + digest);
    EXPECT_EQ(head.headers["content-length"], "300000");
    EXPECT_TRUE(head.body.empty());
    auto part = http_exchange(registry.address(), "GET", "/v2/team/app/blobs/" + digest, {}, {"Range: bytes=1000-1009"});
    EXPECT_EQ(part.status, 206);
    EXPECT_EQ(part.body, content.substr(1000, 10));
    auto beyond = http_exchange(registry.address(), "GET", "/v2/team/app/blobs/" + digest, {}, {"Range: bytes=400000-"});
    EXPECT_EQ(beyond.status, 416);
    EXPECT_EQ(beyond.headers["content-range"], "bytes */300000");
}

}  // namespace
}  // namespace moat::testing
