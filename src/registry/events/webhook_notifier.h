// Webhook notifications of registry events (scan finished or failed, pull blocked): each event
// is POSTed as JSON to every configured target by a background thread, retried with backoff
// until a 2xx answer or the attempts run out. Publishing never blocks a pull or a scan: the
// queue is bounded and drops its oldest delivery (counted) when full.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "util/result.h"

namespace moat::registry {

struct WebhookTarget {
    std::string url;     // http:// or https://
    std::string secret;  // when set: X-Moat-Signature: sha256=<hex HMAC-SHA256 of the body>
};

struct WebhookOptions {
    // Waits before the 2nd, 3rd, … attempt; attempts = backoff.size() + 1.
    std::vector<std::chrono::milliseconds> backoff = {std::chrono::seconds(1), std::chrono::seconds(2),
                                                      std::chrono::seconds(4), std::chrono::seconds(8)};
    long timeout_seconds = 10;  // per attempt
    size_t max_pending = 1000;  // deliveries waiting (first attempt or retry)
    size_t kept_records = 200;  // finished deliveries readable through the API
};

struct DeliveryRecord {
    std::string url;
    std::string event;        // "scan_completed", "scan_failed", "pull_blocked"
    std::string occurred_at;  // RFC 3339 UTC
    int attempts = 0;
    long last_status = 0;     // HTTP status of the last attempt (0: no answer)
    std::string last_error;
    bool delivered = false;
};

// Only absolute http(s) URLs with a host are accepted.
Status validate_webhook_url(const std::string& url);
std::string hmac_sha256_hex(const std::string& secret, const std::string& body);
std::string rfc3339_utc_now();

class WebhookNotifier {
public:
    WebhookNotifier(std::vector<WebhookTarget> targets, WebhookOptions options = {});
    ~WebhookNotifier();
    WebhookNotifier(const WebhookNotifier&) = delete;
    WebhookNotifier& operator=(const WebhookNotifier&) = delete;

    bool enabled() const { return !targets_.empty(); }
    // Queues `{"type": event, "occurred_at": …, "data": data}` for every target.
    void publish(const std::string& event, nlohmann::json data);
    std::vector<DeliveryRecord> deliveries() const;  // newest last
    uint64_t dropped() const;
    // Blocks until nothing is pending (tests).
    void wait_idle();

private:
    struct Pending {
        size_t target;
        std::string body;
        DeliveryRecord record;
        std::chrono::steady_clock::time_point due;
    };
    void run();
    // One POST; fills status/error of `pending.record`; true on 2xx.
    bool attempt(Pending& pending);

    std::vector<WebhookTarget> targets_;
    WebhookOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_, idle_;
    std::deque<Pending> pending_;
    std::deque<DeliveryRecord> records_;
    uint64_t dropped_ = 0;
    size_t in_flight_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace moat::registry
