// Webhook deliveries against a real loopback HTTP receiver: retries until a 2xx, gives up after
// the configured attempts with the error kept, signs bodies so that `openssl dgst -hmac` agrees,
// and drops the oldest delivery when the queue is full.
#include "registry/events/webhook_notifier.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "test_support/http_receiver.h"

namespace moat::registry {
namespace {

using moat::testing::HttpReceiver;
using namespace std::chrono_literals;

WebhookOptions fast(size_t attempts) {
    WebhookOptions options;
    options.backoff.assign(attempts - 1, 20ms);
    options.timeout_seconds = 5;
    return options;
}

TEST(WebhookNotifier, RetriesUntilTheTargetAnswers2xx) {
    HttpReceiver receiver({500, 500, 200});
    WebhookNotifier notifier({{receiver.url(), ""}}, fast(5));
    notifier.publish("scan_completed", {{"repository", "team/app"}, {"digest", "sha256:abc"}});
    notifier.wait_idle();
    auto requests = receiver.requests();
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_EQ(requests[2].method, "POST");
    EXPECT_EQ(requests[2].target, "/hook");
    EXPECT_EQ(requests[2].headers["content-type"], "application/json");
    EXPECT_EQ(requests[2].headers["x-moat-event"], "scan_completed");
    auto body = nlohmann::json::parse(requests[2].body, nullptr, false);
    EXPECT_EQ(body["type"], "scan_completed");
    EXPECT_EQ(body["data"]["digest"], "sha256:abc");
    EXPECT_TRUE(body["occurred_at"].get<std::string>().ends_with("Z"));
    auto records = notifier.deliveries();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_TRUE(records[0].delivered);
    EXPECT_EQ(records[0].attempts, 3);
    EXPECT_EQ(records[0].last_status, 200);
}

TEST(WebhookNotifier, GivesUpAfterTheConfiguredAttemptsAndKeepsTheError) {
    HttpReceiver receiver({503});
    WebhookNotifier notifier({{receiver.url(), ""}}, fast(3));
    notifier.publish("pull_blocked", {{"message", "blocked by policy"}});
    notifier.wait_idle();
    EXPECT_EQ(receiver.requests().size(), 3u);
    auto records = notifier.deliveries();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_FALSE(records[0].delivered);
    EXPECT_EQ(records[0].attempts, 3);
    EXPECT_EQ(records[0].last_error, "answered HTTP 503");

    // Nobody listening: a connection error, also recorded.
    WebhookNotifier unreachable({{"http://127.0.0.1:1/hook", ""}}, fast(2));
    unreachable.publish("scan_failed", {});
    unreachable.wait_idle();
    auto failed = unreachable.deliveries();
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].attempts, 2);
    EXPECT_FALSE(failed[0].last_error.empty());
}

TEST(WebhookNotifier, SignatureIsTheHmacOpensslComputes) {
    HttpReceiver receiver({200});
    WebhookNotifier notifier({{receiver.url(), "s3cret"}}, fast(1));
    notifier.publish("scan_completed", {{"x", 1}});
    notifier.wait_idle();
    auto requests = receiver.requests();
    ASSERT_EQ(requests.size(), 1u);
    std::string path = ::testing::TempDir() + "webhook-body.json";
    std::ofstream(path, std::ios::binary) << requests[0].body;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(
        ::popen(("openssl dgst -sha256 -hmac s3cret -r " + path).c_str(), "r"), ::pclose);
    ASSERT_TRUE(pipe);
    char line[256] = {};
    ASSERT_TRUE(std::fgets(line, sizeof line, pipe.get()));
    std::string expected = std::string(line).substr(0, 64);
    EXPECT_EQ(requests[0].headers["x-moat-signature"], "sha256=" + expected);
}

TEST(WebhookNotifier, AFullQueueDropsTheOldestAndCountsIt) {
    WebhookOptions options = fast(2);
    options.backoff = {10s};  // the first failure parks each delivery for a long time
    options.max_pending = 2;
    options.timeout_seconds = 1;
    WebhookNotifier notifier({{"http://127.0.0.1:1/hook", ""}}, options);
    for (int i = 0; i < 6; ++i) notifier.publish("scan_completed", {{"i", i}});
    EXPECT_GE(notifier.dropped(), 3u);
    EXPECT_LE(notifier.dropped(), 4u);
}

TEST(WebhookNotifier, OnlyHttpUrlsWithAHostAreTargets) {
    EXPECT_TRUE(validate_webhook_url("http://hooks.example/moat").ok());
    EXPECT_TRUE(validate_webhook_url("https://hooks.example:8443/x").ok());
    EXPECT_FALSE(validate_webhook_url("file:///etc/passwd").ok());
    EXPECT_FALSE(validate_webhook_url("hooks.example/moat").ok());
    EXPECT_FALSE(validate_webhook_url("http:///moat").ok());
}

}  // namespace
}  // namespace moat::registry
