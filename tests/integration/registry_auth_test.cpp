// `moat serve` with accounts, checked with the clients users have: a login with a wrong password
// fails, an anonymous push is refused, the admin's push works, an immutable tag cannot be
// overwritten (and the client shows why), a public namespace serves anonymous pulls.
#include <sodium.h>
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

constexpr const char* kAdminPassword = "s3cret-admin-passw0rd";

bool on_path(const std::string& program) {
    return run_command({"sh", "-c", "command -v " + program}).exit_code == 0;
}

fs::path test_image_layout() {
    const char* dir = std::getenv("MOAT_TEST_IMAGE_DIR");
    if (!dir || !fs::exists(fs::path(dir) / "oci" / "index.json")) return {};
    return fs::path(dir) / "oci";
}

std::string basic_header(const std::string& user, const std::string& password) {
    std::string plain = user + ":" + password;
    std::string out(sodium_base64_ENCODED_LEN(plain.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::char_traits<char>::length(out.c_str()));
    return "Authorization: Basic " + out;
}

TEST(RegistryAuth, RealClientsLoginPushPullAndImmutableTags) {
    fs::path layout = test_image_layout();
    if (layout.empty()) GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR is not set";
    if (!on_path("skopeo")) GTEST_SKIP() << "skopeo is not installed";
    ScratchDir scratch;
    {
        std::ofstream password(scratch / "admin-password");
        password << kAdminPassword << "\n";
    }
    RegistryProcess registry(scratch / "data", {"--admin-password-file", (scratch / "admin-password").string()});
    ASSERT_FALSE(registry.address().empty()) << registry.log();
    const std::string address = registry.address();
    const std::string source = "oci:" + layout.string() + ":1.0";
    const std::string admin_creds = std::string("admin:") + kAdminPassword;
    // No stored credentials of this machine may leak into the "anonymous" steps.
    const std::vector<std::string> env = {"REGISTRY_AUTH_FILE=" + (scratch / "auth.json").string()};

    auto wrong_login = run_command({"skopeo", "login", "--tls-verify=false", "--authfile", (scratch / "auth.json").string(),
                                    "-u", "admin", "-p", "wrong-password", address}, env);
    EXPECT_NE(wrong_login.exit_code, 0) << wrong_login.out;
    auto login = run_command({"skopeo", "login", "--tls-verify=false", "--authfile", (scratch / "login.json").string(),
                              "-u", "admin", "-p", kAdminPassword, address}, env);
    EXPECT_EQ(login.exit_code, 0) << login.err << registry.log();

    auto anonymous_push = run_command({"skopeo", "copy", "--dest-tls-verify=false", source,
                                       "docker://" + address + "/team/app:1.0"}, env);
    EXPECT_NE(anonymous_push.exit_code, 0) << "an anonymous push was accepted";
    auto admin_push = run_command({"skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", admin_creds, source,
                                   "docker://" + address + "/team/app:1.0"}, env);
    ASSERT_EQ(admin_push.exit_code, 0) << admin_push.err << registry.log();

    // The new namespace is private: an anonymous pull is refused, the admin's works.
    auto anonymous_private_pull = run_command({"skopeo", "inspect", "--tls-verify=false", "--raw",
                                               "docker://" + address + "/team/app:1.0"}, env);
    EXPECT_NE(anonymous_private_pull.exit_code, 0);

    auto rule = http_exchange(address, "PUT", "/api/v1/repositories/team/app/immutable", R"({"patterns": ["1.*"]})",
                              {basic_header("admin", kAdminPassword), "Content-Type: application/json"});
    ASSERT_EQ(rule.status, 200) << rule.body;
    // Another manifest for 1.0: the same image in Docker's schema 2 has another digest.
    auto overwrite = run_command({"skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", admin_creds,
                                  "--format", "v2s2", source, "docker://" + address + "/team/app:1.0"}, env);
    EXPECT_NE(overwrite.exit_code, 0) << "an immutable tag was overwritten";
    // skopeo's log escapes the quotes around the pattern.
    EXPECT_NE(overwrite.err.find("tag 1.0 of team/app is immutable (rule "), std::string::npos) << overwrite.err;
    EXPECT_NE(overwrite.err.find("on repository team/app)"), std::string::npos) << overwrite.err;
    // Another tag is not covered by the rule.
    auto other_tag = run_command({"skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", admin_creds, "--format",
                                  "v2s2", source, "docker://" + address + "/team/app:latest"}, env);
    EXPECT_EQ(other_tag.exit_code, 0) << other_tag.err;

    auto created = http_exchange(address, "POST", "/api/v1/namespaces", R"({"name": "open", "public": true})",
                                 {basic_header("admin", kAdminPassword), "Content-Type: application/json"});
    ASSERT_EQ(created.status, 201) << created.body;
    auto public_push = run_command({"skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", admin_creds, source,
                                    "docker://" + address + "/open/app:1.0"}, env);
    ASSERT_EQ(public_push.exit_code, 0) << public_push.err;
    auto anonymous_pull = run_command({"skopeo", "copy", "--src-tls-verify=false", "docker://" + address + "/open/app:1.0",
                                       "oci:" + (scratch / "back").string() + ":1.0"}, env);
    EXPECT_EQ(anonymous_pull.exit_code, 0) << anonymous_pull.err << registry.log();
    auto anonymous_public_push = run_command({"skopeo", "copy", "--dest-tls-verify=false", source,
                                              "docker://" + address + "/open/app:2.0"}, env);
    EXPECT_NE(anonymous_public_push.exit_code, 0) << "an anonymous push into a public namespace was accepted";
}

TEST(RegistryAuth, PodmanLoginChecksThePassword) {
    if (!on_path("podman")) GTEST_SKIP() << "podman is not installed";
    if (::geteuid() != 0) GTEST_SKIP() << "podman runs as root here";
    ScratchDir scratch;
    {
        std::ofstream password(scratch / "admin-password");
        password << kAdminPassword << "\n";
    }
    RegistryProcess registry(scratch / "data", {"--admin-password-file", (scratch / "admin-password").string()});
    ASSERT_FALSE(registry.address().empty()) << registry.log();
    std::vector<std::string> podman = {"podman", "--root", (scratch / "root").string(), "--runroot",
                                       (scratch / "runroot").string(), "--storage-driver", "vfs"};
    auto login = [&](const std::string& password) {
        auto args = podman;
        args.insert(args.end(), {"login", "--tls-verify=false", "--authfile", (scratch / "auth.json").string(), "-u",
                                 "admin", "-p", password, registry.address()});
        return run_command(args);
    };
    auto wrong = login("wrong-password");
    EXPECT_NE(wrong.exit_code, 0) << wrong.out;
    auto right = login(kAdminPassword);
    EXPECT_EQ(right.exit_code, 0) << right.err << registry.log();
}

}  // namespace
}  // namespace moat::testing
