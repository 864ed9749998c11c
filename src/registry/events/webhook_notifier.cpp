#include "registry/events/webhook_notifier.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <memory>

namespace moat::registry {
namespace {

using Clock = std::chrono::steady_clock;

size_t discard_body(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

Status validate_webhook_url(const std::string& url) {
    size_t scheme_end = url.find("://");
    std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https")
        return Error{fmt::format("webhook {}: only http:// and https:// URLs are supported", url)};
    std::string rest = url.substr(scheme_end + 3);
    if (rest.empty() || rest.front() == '/' || rest.find_first_of(" \t\r\n") != std::string::npos)
        return Error{fmt::format("webhook {}: the URL names no host", url)};
    return Status::Ok();
}

std::string hmac_sha256_hex(const std::string& secret, const std::string& body) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &length);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", mac[i]);
    return hex;
}

std::string rfc3339_utc_now() {
    std::time_t now = std::time(nullptr);
    std::tm parts{};
    gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

WebhookNotifier::WebhookNotifier(std::vector<WebhookTarget> targets, WebhookOptions options)
    : targets_(std::move(targets)), options_(std::move(options)) {
    if (!targets_.empty()) thread_ = std::thread([this] { run(); });
}

WebhookNotifier::~WebhookNotifier() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void WebhookNotifier::publish(const std::string& event, nlohmann::json data) {
    if (targets_.empty()) return;
    std::string occurred_at = rfc3339_utc_now();
    nlohmann::json document = {{"type", event}, {"occurred_at", occurred_at}, {"data", std::move(data)}};
    std::string body = document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    {
        std::lock_guard lock(mutex_);
        for (size_t target = 0; target < targets_.size(); ++target) {
            if (pending_.size() >= std::max<size_t>(1, options_.max_pending)) {
                pending_.pop_front();  // the oldest loses: a burst must not grow memory without bound
                ++dropped_;
            }
            DeliveryRecord record;
            record.url = targets_[target].url;
            record.event = event;
            record.occurred_at = occurred_at;
            pending_.push_back(Pending{target, body, std::move(record), Clock::now()});
        }
    }
    wake_.notify_all();
}

std::vector<DeliveryRecord> WebhookNotifier::deliveries() const {
    std::lock_guard lock(mutex_);
    return {records_.begin(), records_.end()};
}

uint64_t WebhookNotifier::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

void WebhookNotifier::wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return (pending_.empty() && in_flight_ == 0) || stopping_; });
}

void WebhookNotifier::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (pending_.empty()) {
            idle_.notify_all();
            wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
            continue;
        }
        auto next = std::min_element(pending_.begin(), pending_.end(),
                                     [](const Pending& a, const Pending& b) { return a.due < b.due; });
        if (next->due > Clock::now()) {
            wake_.wait_until(lock, next->due);
            continue;
        }
        Pending pending = std::move(*next);
        pending_.erase(next);
        ++in_flight_;
        lock.unlock();
        bool ok = attempt(pending);
        lock.lock();
        --in_flight_;
        size_t attempts = static_cast<size_t>(pending.record.attempts);
        if (ok || attempts > options_.backoff.size() || stopping_) {
            pending.record.delivered = ok;
            records_.push_back(std::move(pending.record));
            while (records_.size() > std::max<size_t>(1, options_.kept_records)) records_.pop_front();
        } else {
            pending.due = Clock::now() + options_.backoff[attempts - 1];
            pending_.push_back(std::move(pending));
        }
    }
    idle_.notify_all();
}

bool WebhookNotifier::attempt(Pending& pending) {
    const WebhookTarget& target = targets_[pending.target];
    ++pending.record.attempts;
    std::unique_ptr<CURL, void (*)(CURL*)> handle(curl_easy_init(), curl_easy_cleanup);
    if (!handle) {
        pending.record.last_error = "cannot start a libcurl handle";
        return false;
    }
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, ("X-Moat-Event: " + pending.record.event).c_str());
    if (!target.secret.empty())
        headers = curl_slist_append(
            headers, ("X-Moat-Signature: sha256=" + hmac_sha256_hex(target.secret, pending.body)).c_str());
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
    CURL* curl = handle.get();
    curl_easy_setopt(curl, CURLOPT_URL, target.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, pending.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(pending.body.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, options_.timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, std::min(options_.timeout_seconds, 10L));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "moat-webhook/0.1");
    CURLcode result = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    pending.record.last_status = status;
    if (result != CURLE_OK) {
        pending.record.last_error = curl_easy_strerror(result);
        return false;
    }
    if (status < 200 || status > 299) {
        pending.record.last_error = fmt::format("answered HTTP {}", status);
        return false;
    }
    pending.record.last_error.clear();
    return true;
}

}  // namespace moat::registry
