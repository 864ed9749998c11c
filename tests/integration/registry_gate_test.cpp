// Registry security end to end with real clients: the vulnerable test image pushed with skopeo
// is scanned on push within seconds; with the namespace blocking at HIGH, skopeo and podman pulls
// (by tag and by digest) fail and print the policy's message; allowlisting the blocking ids lets
// the same pull through; an image not scanned yet follows the unscanned rule; the admission
// webhook answers an AdmissionReview with the same verdict and message.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/full_database.h"
#include "support/registry_process.h"
#include "support/run_command.h"
#include "support/test_images.h"

namespace moat::testing {
namespace {

using json = nlohmann::json;

bool on_path(const std::string& program) { return run_command({"sh", "-c", "command -v " + program}).exit_code == 0; }

class RegistryGate : public ::testing::Test {
protected:
    void SetUp() override {
        const char* dir = std::getenv("MOAT_TEST_IMAGE_DIR");
        if (!dir) GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR is not set (scripts/test.sh sets it)";
        if (!on_path("skopeo")) GTEST_SKIP() << "skopeo is not installed";
        layout_ = fs::path(dir) / "oci";
        server_ = std::make_unique<RegistryProcess>(scratch_ / "data",
                                                    std::vector<std::string>{"--db", full_database().string()});
        ASSERT_FALSE(server_->address().empty()) << server_->log();
    }

    CommandResult push(const std::string& repository_and_tag) {
        return run_command({"skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:" + layout_.string() + ":1.0",
                            "docker://" + server_->address() + "/" + repository_and_tag});
    }
    CommandResult skopeo_pull(const std::string& reference) {
        fs::path out = scratch_ / "pulled";
        fs::remove_all(out);
        return run_command({"skopeo", "copy", "--quiet", "--src-tls-verify=false",
                            "docker://" + server_->address() + "/" + reference, "oci:" + out.string() + ":x"});
    }
    HttpReply api(const std::string& method, const std::string& path, const std::string& body = {}) {
        return http_exchange(server_->address(), method, path, body, {"Content-Type: application/json"});
    }
    json report(const std::string& repository, const std::string& reference) {
        HttpReply reply = api("GET", "/api/v1/repositories/" + repository + "/manifests/" + reference + "/report");
        EXPECT_EQ(reply.status, 200) << reply.body;
        return json::parse(reply.body, nullptr, false);
    }
    // Scan on push: waits (at most a minute) until the report is done.
    json wait_for_report(const std::string& repository, const std::string& reference) {
        for (int attempt = 0; attempt < 240; ++attempt) {
            json answer = report(repository, reference);
            if (answer.value("status", "") == "done" || answer.value("status", "") == "failed") return answer;
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        return report(repository, reference);
    }

    ScratchDir scratch_;
    fs::path layout_;
    std::unique_ptr<RegistryProcess> server_;
};

TEST_F(RegistryGate, BlockedImageCannotBePulledUntilAllowlisted) {
    ASSERT_EQ(push("team/app:1.0").exit_code, 0);
    auto started = std::chrono::steady_clock::now();
    json scanned = wait_for_report("team/app", "1.0");
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_EQ(scanned["status"], "done") << scanned.dump().substr(0, 400);
    std::cout << "[ push to verdict ] " << seconds << " s\n";
    EXPECT_FALSE(scanned["verdict"]["blocked"].get<bool>()) << "blocking is off by default";
    EXPECT_GT(scanned["report"]["findings"].size(), 10u);
    std::string digest = scanned["digest"];

    HttpReply set = api("PUT", "/api/v1/namespaces/team/policy",
                        R"({"block_enabled": true, "block_severity": "HIGH", "unscanned": "block"})");
    ASSERT_EQ(set.status, 200) << set.body;
    json blocked = report("team/app", "1.0");
    ASSERT_TRUE(blocked["verdict"]["blocked"].get<bool>());
    std::string reason = blocked["verdict"]["reason"];
    EXPECT_TRUE(reason.starts_with("blocked by policy of namespace team: ")) << reason;

    // skopeo by tag and by digest: refused, and the message is what the user sees.
    auto by_tag = skopeo_pull("team/app:1.0");
    EXPECT_NE(by_tag.exit_code, 0);
    EXPECT_NE(by_tag.err.find("blocked by policy of namespace team"), std::string::npos) << by_tag.err;
    auto by_digest = skopeo_pull("team/app@" + digest);
    EXPECT_NE(by_digest.exit_code, 0);
    EXPECT_NE(by_digest.err.find("blocked by policy of namespace team"), std::string::npos) << by_digest.err;
    // The layers do not leak around the gate.
    std::string layer = scanned["report"]["image"]["layers"][0]["digest"];
    EXPECT_EQ(api("GET", "/v2/team/app/blobs/" + layer).status, 403);

    if (on_path("podman") && ::geteuid() == 0) {
        std::vector<std::string> podman = {"podman", "--root", (scratch_ / "root").string(), "--runroot",
                                           (scratch_ / "runroot").string(), "--storage-driver", "vfs", "pull", "--tls-verify=false",
                                           server_->address() + "/team/app:1.0"};
        auto pulled = run_command(podman);
        EXPECT_NE(pulled.exit_code, 0);
        EXPECT_NE(pulled.err.find("blocked by policy of namespace team"), std::string::npos) << pulled.err;
    }

    // Allowlist every id the verdict names as blocking: the same pull goes through.
    json blocking = json::array();
    for (const auto& finding : blocked["report"]["findings"])
        if (finding["kind"] == "vulnerability" && (finding["severity"] == "HIGH" || finding["severity"] == "CRITICAL"))
            blocking.push_back({{"id", finding["id"]}, {"expires", "2099-01-01"}});
    json policy = {{"block_enabled", true}, {"block_severity", "HIGH"}, {"allowlist", blocking}, {"unscanned", "block"}};
    ASSERT_EQ(api("PUT", "/api/v1/namespaces/team/policy", policy.dump()).status, 200);
    auto allowed = skopeo_pull("team/app:1.0");
    EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
}

TEST_F(RegistryGate, UnscannedImageFollowsTheUnscannedRule) {
    ASSERT_EQ(api("PUT", "/api/v1/scan-config", R"({"on_push": false})").status, 200);
    ASSERT_EQ(api("PUT", "/api/v1/namespaces/team/policy", R"({"block_enabled": true, "unscanned": "block"})").status,
              200);
    ASSERT_EQ(push("team/app:1.0").exit_code, 0);
    auto refused = skopeo_pull("team/app:1.0");
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.err.find("not been scanned"), std::string::npos) << refused.err;
    ASSERT_EQ(api("PUT", "/api/v1/namespaces/team/policy", R"({"block_enabled": true, "unscanned": "allow"})").status,
              200);
    EXPECT_EQ(skopeo_pull("team/app:1.0").exit_code, 0);
    // A scan on request.
    EXPECT_EQ(api("POST", "/api/v1/repositories/team/app/manifests/1.0/scan").status, 202);
    EXPECT_EQ(wait_for_report("team/app", "1.0")["status"], "done");
}

TEST_F(RegistryGate, AdmissionWebhookGivesTheSameVerdict) {
    ASSERT_EQ(push("team/app:1.0").exit_code, 0);
    ASSERT_EQ(wait_for_report("team/app", "1.0")["status"], "done");
    ASSERT_EQ(api("PUT", "/api/v1/namespaces/team/policy", R"({"block_enabled": true, "block_severity": "HIGH"})").status,
              200);
    std::string image = server_->address() + "/team/app:1.0";
    json review = {{"apiVersion", "admission.k8s.io/v1"},
                   {"kind", "AdmissionReview"},
                   {"request",
                    {{"uid", "e911857d-c318-11e8-bbad-025000000001"},
                     {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                     {"operation", "CREATE"},
                     {"namespace", "shop"},
                     {"object",
                      {{"apiVersion", "v1"},
                       {"kind", "Pod"},
                       {"metadata", {{"name", "web"}}},
                       {"spec", {{"containers", {{{"name", "app"}, {"image", image}}, {{"name", "side"}, {"image", "nginx:1.25"}}}}}}}}}}};
    HttpReply reply = api("POST", "/admission/validate", review.dump());
    ASSERT_EQ(reply.status, 200) << reply.body;
    json answer = json::parse(reply.body);
    EXPECT_EQ(answer["response"]["uid"], "e911857d-c318-11e8-bbad-025000000001");
    EXPECT_FALSE(answer["response"]["allowed"].get<bool>());
    std::string message = answer["response"]["status"]["message"];
    EXPECT_NE(message.find("image " + image + ": blocked by policy of namespace team"), std::string::npos) << message;
    EXPECT_EQ(message.find("nginx"), std::string::npos) << "other registries' images are allowed by default";

    ASSERT_EQ(api("PUT", "/api/v1/namespaces/team/policy", R"({"block_enabled": false})").status, 200);
    json allowed = json::parse(api("POST", "/admission/validate", review.dump()).body);
    EXPECT_TRUE(allowed["response"]["allowed"].get<bool>());
}

}  // namespace
}  // namespace moat::testing
