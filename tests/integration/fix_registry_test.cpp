// `moat fix HOST/REPO:TAG` against moat's own registry with accounts, as a user checks it:
// `1.0_fix` is pushed beside `1.0` (which stays as it was), skopeo copies it out and sees the
// digest moat printed, it has exactly one more layer, a rescan over the registry lacks the
// closed findings, and `--overwrite` of a tag under an immutable rule is refused with the rule.
// Needs MOAT_TEST_IMAGE_DIR, MOAT_UPGRADED_ROOTFS (for the package versions), root (chroot
// dpkg), skopeo and apt-get download from the machine's mirror; skips otherwise.
#include <sodium.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fix_packages.h"
#include "support/full_database.h"
#include "support/registry_process.h"
#include "support/run_command.h"
#include "support/test_images.h"

namespace moat::testing {
namespace {

using json = nlohmann::json;
constexpr const char* kAdminPassword = "fix-admin-passw0rd";

std::string basic_header(const std::string& user, const std::string& password) {
    std::string plain = user + ":" + password;
    std::string out(sodium_base64_ENCODED_LEN(plain.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(plain.data()),
                      plain.size(), sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::char_traits<char>::length(out.c_str()));
    return "Authorization: Basic " + out;
}

// (package name, finding id) of a vulnerability finding; empty for the other kinds.
std::pair<std::string, std::string> package_and_id(const json& finding) {
    if (!finding.contains("package") || !finding["package"].is_object()) return {};
    return {finding["package"].value("name", ""), finding.value("id", "")};
}

TEST(FixRegistry, FixedImageIsPushedAsTagFixAndImmutableTagsAreRefused) {
    const char* image = std::getenv("MOAT_TEST_IMAGE_DIR");
    const char* upgraded = std::getenv("MOAT_UPGRADED_ROOTFS");
    if (!image || !upgraded)
        GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR and MOAT_UPGRADED_ROOTFS are not set (scripts/test.sh sets them)";
    if (::geteuid() != 0) GTEST_SKIP() << "moat fix's chroot install needs root";
    if (run_command({"sh", "-c", "command -v skopeo"}).exit_code != 0) GTEST_SKIP() << "skopeo is not installed";
    ScratchDir scratch;
    std::string why;
    auto debs = fetch_openssl_debs(upgraded, scratch / "debs", why);
    if (debs.size() != 4) GTEST_SKIP() << why;
    {
        std::ofstream password(scratch / "admin-password");
        password << kAdminPassword << "\n";
    }
    RegistryProcess registry(scratch / "data", {"--admin-password-file", (scratch / "admin-password").string()});
    ASSERT_FALSE(registry.address().empty()) << registry.log();
    const std::string address = registry.address();
    const std::string creds = std::string("admin:") + kAdminPassword;
    const std::vector<std::string> env = {"REGISTRY_AUTH_FILE=" + (scratch / "auth.json").string()};
    auto push = run_command({"skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds,
                             "oci:" + (fs::path(image) / "oci").string() + ":1.0",
                             "docker://" + address + "/team/app:1.0"},
                            env);
    ASSERT_EQ(push.exit_code, 0) << push.err << registry.log();
    auto inspect = [&](const std::string& tag) {
        auto run = run_command({"skopeo", "inspect", "--tls-verify=false", "--creds", creds,
                                "docker://" + address + "/team/app:" + tag},
                               env);
        EXPECT_EQ(run.exit_code, 0) << run.err;
        return json::parse(run.out, nullptr, false);
    };
    json original = inspect("1.0");
    const fs::path db = full_database();

    std::vector<std::string> fix = {MOAT_BINARY, "fix", address + "/team/app:1.0", "--insecure",
                                    "--username", "admin", "--password", kAdminPassword,
                                    "--skip-db-update", "--db", db.string(), "--quiet"};
    fix.insert(fix.end(), debs.begin(), debs.end());
    std::vector<std::string> as_json = fix;
    as_json.insert(as_json.end(), {"--format", "json"});
    auto run = run_command(as_json, env);
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err << registry.log();
    json report = json::parse(run.out, nullptr, false);
    ASSERT_TRUE(report.is_object()) << run.out;
    EXPECT_EQ(report["fixed_image"], address + "/team/app:1.0_fix");
    ASSERT_TRUE(report["manifest_digest"].is_string());

    json fixed = inspect("1.0_fix");
    EXPECT_EQ(fixed["Digest"], report["manifest_digest"]);
    EXPECT_EQ(fixed["Layers"].size(), original["Layers"].size() + 1);
    EXPECT_EQ(inspect("1.0")["Digest"], original["Digest"]) << "the original tag moved";
    // skopeo pulls it (every blob verified against its digest).
    auto copy = run_command({"skopeo", "copy", "--src-tls-verify=false", "--src-creds", creds,
                             "docker://" + address + "/team/app:1.0_fix",
                             "oci:" + (scratch / "pulled").string() + ":fixed"},
                            env);
    EXPECT_EQ(copy.exit_code, 0) << copy.err;

    // A rescan over the registry: the closed findings are gone.
    std::set<std::pair<std::string, std::string>> closed;
    for (const auto& upgrade : report["upgraded"])
        for (const auto& id : upgrade["closes"])
            closed.insert({upgrade["package"].get<std::string>(), id.get<std::string>()});
    ASSERT_FALSE(closed.empty()) << run.out;
    auto rescan = run_command({MOAT_BINARY, "scan", address + "/team/app:1.0_fix", "--insecure", "--username",
                               "admin", "--password", kAdminPassword, "--scanners", "vuln", "--format", "json",
                               "--quiet", "--skip-db-update", "--db", db.string()},
                              env);
    ASSERT_EQ(rescan.exit_code, 0) << rescan.err;
    json rescanned = json::parse(rescan.out, nullptr, false);
    for (const auto& finding : rescanned["findings"])
        EXPECT_FALSE(closed.count(package_and_id(finding)))
            << finding.dump();

    // --overwrite of a tag an immutable rule covers: refused, the rule named, the tag unchanged.
    auto rule = http_exchange(address, "PUT", "/api/v1/repositories/team/app/immutable", R"({"patterns": ["1.*"]})",
                              {basic_header("admin", kAdminPassword), "Content-Type: application/json"});
    ASSERT_EQ(rule.status, 200) << rule.body;
    std::vector<std::string> overwrite = fix;
    overwrite.push_back("--overwrite");
    auto refused = run_command(overwrite, env);
    EXPECT_NE(refused.exit_code, 0) << refused.out;
    EXPECT_NE(refused.err.find("refused the fixed image " + address + "/team/app:1.0"), std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find("is immutable (rule"), std::string::npos) << refused.err;
    EXPECT_EQ(inspect("1.0")["Digest"], original["Digest"]);

    // An image named by digest needs a name for the result.
    auto by_digest = run_command({MOAT_BINARY, "fix", address + "/team/app@" + original["Digest"].get<std::string>(),
                                  "--insecure", "--quiet", "--skip-db-update", "--db", db.string()},
                                 env);
    EXPECT_NE(by_digest.exit_code, 0);
    EXPECT_NE(by_digest.err.find("--output HOST/REPO:TAG"), std::string::npos) << by_digest.err;
}

// POST …/manifests/1.0/fix on moat's registry: the answer names 1.0_fix and its digest (which
// skopeo sees), both reports are there and the fixed one lacks the closed findings; an anonymous
// caller is challenged; an immutable tag is refused before any work.
TEST(FixRegistry, FixApiCreatesTagFixScansItAndAnswersBothReports) {
    const char* image = std::getenv("MOAT_TEST_IMAGE_DIR");
    const char* upgraded = std::getenv("MOAT_UPGRADED_ROOTFS");
    if (!image || !upgraded)
        GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR and MOAT_UPGRADED_ROOTFS are not set (scripts/test.sh sets them)";
    if (::geteuid() != 0) GTEST_SKIP() << "moat fix's chroot install needs root";
    if (run_command({"sh", "-c", "command -v skopeo"}).exit_code != 0) GTEST_SKIP() << "skopeo is not installed";
    ScratchDir scratch;
    std::string why;
    auto debs = fetch_openssl_debs(upgraded, scratch / "debs", why);
    if (debs.size() != 4) GTEST_SKIP() << why;
    {
        std::ofstream password(scratch / "admin-password");
        password << kAdminPassword << "\n";
    }
    std::vector<std::string> serve = {"--admin-password-file", (scratch / "admin-password").string(), "--db",
                                      full_database().string()};
    for (size_t i = 1; i < debs.size(); i += 2) serve.insert(serve.end(), {"--fix-deb", debs[i]});
    RegistryProcess registry(scratch / "data", serve);
    ASSERT_FALSE(registry.address().empty()) << registry.log();
    const std::string address = registry.address();
    const std::string creds = std::string("admin:") + kAdminPassword;
    const std::vector<std::string> env = {"REGISTRY_AUTH_FILE=" + (scratch / "auth.json").string()};
    auto push = run_command({"skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds,
                             "oci:" + (fs::path(image) / "oci").string() + ":1.0",
                             "docker://" + address + "/team/app:1.0"},
                            env);
    ASSERT_EQ(push.exit_code, 0) << push.err << registry.log();
    const std::string fix_path = "/api/v1/repositories/team/app/manifests/1.0/fix";
    const std::vector<std::string> admin = {basic_header("admin", kAdminPassword), "Content-Type: application/json"};

    EXPECT_EQ(http_exchange(address, "POST", fix_path, "{}").status, 401);
    auto fixed = http_exchange(address, "POST", fix_path, R"({"overwrite": false})", admin);
    ASSERT_EQ(fixed.status, 200) << fixed.body << registry.log();
    json answer = json::parse(fixed.body, nullptr, false);
    ASSERT_TRUE(answer.is_object()) << fixed.body;
    EXPECT_EQ(answer["tag"], "1.0_fix");
    auto inspect = run_command({"skopeo", "inspect", "--tls-verify=false", "--creds", creds,
                                "docker://" + address + "/team/app:1.0_fix"},
                               env);
    ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
    EXPECT_EQ(json::parse(inspect.out, nullptr, false)["Digest"], answer["digest"]);
    EXPECT_EQ(answer["original"]["status"], "done") << answer["original"].dump();
    EXPECT_EQ(answer["fixed"]["status"], "done") << answer["fixed"].dump();
    EXPECT_EQ(answer["fixed"]["digest"], answer["digest"]);

    std::set<std::pair<std::string, std::string>> closed;
    for (const auto& upgrade : answer["upgraded"])
        for (const auto& id : upgrade["closes"])
            closed.insert({upgrade["package"].get<std::string>(), id.get<std::string>()});
    ASSERT_FALSE(closed.empty()) << fixed.body;
    size_t closed_before = 0;
    for (const auto& finding : answer["original"]["report"]["findings"])
        closed_before += closed.count(package_and_id(finding));
    EXPECT_GT(closed_before, 0u) << "the original report lacks the findings the fix closed";
    for (const auto& finding : answer["fixed"]["report"]["findings"])
        EXPECT_FALSE(closed.count(package_and_id(finding)))
            << finding.dump();

    auto rule = http_exchange(address, "PUT", "/api/v1/repositories/team/app/immutable", R"({"patterns": ["1.*"]})",
                              admin);
    ASSERT_EQ(rule.status, 200) << rule.body;
    auto refused = http_exchange(address, "POST", fix_path, R"({"overwrite": true})", admin);
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_NE(refused.body.find("is immutable (rule"), std::string::npos) << refused.body;
}

}  // namespace
}  // namespace moat::testing
