// Webhooks end to end: `moat serve --webhook URL --webhook-secret S` with a loopback receiver;
// skopeo pushes the test image -> scan_completed with its digest, counts and verdict; with the
// namespace blocking at HIGH a skopeo pull is refused -> pull_blocked carrying the message skopeo
// printed; every body signed; the deliveries readable through the API.
#include <gtest/gtest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "registry/events/webhook_notifier.h"
#include "support/full_database.h"
#include "support/registry_process.h"
#include "support/run_command.h"
#include "support/test_images.h"
#include "test_support/http_receiver.h"

namespace moat::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

TEST(RegistryWebhooks, ScanFinishedAndPullBlockedReachTheReceiverSigned) {
    const char* dir = std::getenv("MOAT_TEST_IMAGE_DIR");
    if (!dir) GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR is not set (scripts/test.sh sets it)";
    if (run_command({"sh", "-c", "command -v skopeo"}).exit_code != 0) GTEST_SKIP() << "skopeo is not installed";
    HttpReceiver receiver({200});
    ScratchDir scratch;
    RegistryProcess server(scratch / "data", {"--db", full_database().string(), "--webhook", receiver.url(),
                                              "--webhook-secret", "hook-s3cret"});
    ASSERT_FALSE(server.address().empty()) << server.log();
    auto push = run_command({"skopeo", "copy", "--quiet", "--dest-tls-verify=false",
                             "oci:" + (fs::path(dir) / "oci").string() + ":1.0",
                             "docker://" + server.address() + "/team/app:1.0"});
    ASSERT_EQ(push.exit_code, 0) << push.err;
    ASSERT_TRUE(receiver.wait_for(1, 120s)) << server.log();
    auto first = receiver.requests()[0];
    json event = json::parse(first.body, nullptr, false);
    EXPECT_EQ(event["type"], "scan_completed") << first.body;
    EXPECT_EQ(event["data"]["repository"], "team/app");
    EXPECT_EQ(event["data"]["status"], "done");
    EXPECT_GT(event["data"]["summary"].value("HIGH", 0), 0) << first.body;
    EXPECT_FALSE(event["data"]["verdict"]["blocked"].get<bool>());
    EXPECT_EQ(first.headers["x-moat-signature"], "sha256=" + registry::hmac_sha256_hex("hook-s3cret", first.body));
    auto inspect = run_command({"skopeo", "inspect", "--tls-verify=false", "docker://" + server.address() + "/team/app:1.0"});
    ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
    EXPECT_EQ(event["data"]["digest"], json::parse(inspect.out, nullptr, false)["Digest"]);

    auto policy = http_exchange(server.address(), "PUT", "/api/v1/namespaces/team/policy",
                                R"({"block_enabled": true, "block_severity": "HIGH"})", {"Content-Type: application/json"});
    ASSERT_EQ(policy.status, 200) << policy.body;
    auto pull = run_command({"skopeo", "copy", "--quiet", "--src-tls-verify=false",
                             "docker://" + server.address() + "/team/app:1.0", "oci:" + (scratch / "out").string() + ":x"});
    ASSERT_NE(pull.exit_code, 0);
    ASSERT_TRUE(receiver.wait_for(2, 30s)) << server.log();
    json blocked = json::parse(receiver.requests()[1].body, nullptr, false);
    EXPECT_EQ(blocked["type"], "pull_blocked");
    EXPECT_EQ(blocked["data"]["repository"], "team/app");
    EXPECT_EQ(blocked["data"]["reference"], "1.0");
    std::string message = blocked["data"]["message"];
    EXPECT_TRUE(message.starts_with("blocked by policy of namespace team: ")) << message;
    EXPECT_NE(pull.err.find(message.substr(0, 60)), std::string::npos) << pull.err << "\n" << message;

    auto deliveries = http_exchange(server.address(), "GET", "/api/v1/webhooks/deliveries");
    ASSERT_EQ(deliveries.status, 200) << deliveries.body;
    json listed = json::parse(deliveries.body, nullptr, false);
    ASSERT_GE(listed["deliveries"].size(), 2u) << deliveries.body;
    EXPECT_TRUE(listed["deliveries"][0]["delivered"].get<bool>());
    EXPECT_EQ(listed["deliveries"][0]["url"], receiver.url());
}

}  // namespace
}  // namespace moat::testing
