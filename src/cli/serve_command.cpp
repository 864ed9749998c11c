#include "cli/serve_command.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "registry/api/fix_api.h"
#include "registry/events/webhook_notifier.h"
#include "registry/api/security_api.h"
#include "registry/auth/registry_auth.h"
#include "registry/garbage_collector.h"
#include "registry/scan/policy_gate.h"
#include "registry/scan/scan_service.h"
#include "registry/scan/scan_store.h"
#include "vulndb/vulndb.h"
#include "registry/metadata/sqlite_metadata_store.h"
#include "registry/registry_server.h"
#include "registry/storage/blob_store.h"

namespace moat {

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

// The registry's TOML configuration: top-level `key = "value"` lines and comments are all it
// uses, so this reads exactly that and names any other line as an error.
Result<std::map<std::string, std::string>> read_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Error{fmt::format("{}: cannot read the configuration file", path)};
    std::map<std::string, std::string> values;
    std::string line;
    int number = 0;
    auto trim = [](std::string_view text) {
        size_t first = text.find_first_not_of(" \t\r");
        if (first == std::string_view::npos) return std::string_view{};
        size_t last = text.find_last_not_of(" \t\r");
        return text.substr(first, last - first + 1);
    };
    while (std::getline(in, line)) {
        ++number;
        std::string_view text = trim(line);
        if (text.empty() || text.front() == '#') continue;
        size_t equals = text.find('=');
        if (equals == std::string_view::npos)
            return Error{fmt::format("{}:{}: expected key = \"value\"", path, number)};
        std::string key(trim(text.substr(0, equals)));
        std::string_view value = trim(text.substr(equals + 1));
        if (size_t hash = value.find(" #"); hash != std::string_view::npos && value.front() != '"')
            value = trim(value.substr(0, hash));
        if (value.size() >= 2 && value.front() == '"') {
            size_t close = value.find('"', 1);
            if (close == std::string_view::npos) return Error{fmt::format("{}:{}: unterminated string", path, number)};
            value = value.substr(1, close - 1);
        }
        values[key] = std::string(value);
    }
    return values;
}

// The webhook payload of a finished scan: where, its status, the summary counts and the verdict.
nlohmann::json scan_event(registry::ScanService& scans, registry::ScanStore& store, const std::string& repository,
                          const std::string& digest) {
    nlohmann::json data = {{"repository", repository},
                           {"digest", digest},
                           {"status", std::string(policy::scan_state_name(scans.state(digest)))},
                           {"report", registry::report_path(repository, digest)}};
    if (auto record = store.get(digest); record && *record) {
        if (!(*record)->error.empty()) data["error"] = (*record)->error;
        auto report = nlohmann::json::parse((*record)->report_json, nullptr, false);
        if (report.is_object() && report.contains("summary")) data["summary"] = report["summary"];
    }
    policy::Verdict verdict = scans.verdict(repository, digest, registry::report_path(repository, digest));
    data["verdict"] = {{"blocked", verdict.blocked}, {"reason", verdict.reason}};
    return data;
}

// GET /api/v1/webhooks/deliveries (administrators): the latest deliveries and their outcome.
registry::HttpResponse webhook_deliveries(registry::HttpRequest& request, registry::AccessControl& access,
                                          registry::WebhookNotifier& webhooks) {
    registry::AccessDecision decision = access.authorize_registry(request);
    if (decision.outcome == registry::AccessOutcome::unauthenticated) return access.challenge(request, "");
    if (decision.outcome != registry::AccessOutcome::allowed || !decision.principal.admin)
        return registry::HttpResponse::json(403, R"({"error":"only an administrator may do this"})");
    nlohmann::json list = nlohmann::json::array();
    for (const auto& record : webhooks.deliveries())
        list.push_back({{"url", record.url},
                        {"event", record.event},
                        {"occurred_at", record.occurred_at},
                        {"attempts", record.attempts},
                        {"delivered", record.delivered},
                        {"last_status", record.last_status},
                        {"last_error", record.last_error}});
    return registry::HttpResponse::json(200, nlohmann::json{{"deliveries", list}, {"dropped", webhooks.dropped()}}.dump());
}

// Registry security composed: the scan store and service (scan on push, schedule, rematch on
// database updates), the pull gate in the distribution API, the security API and the admission
// webhook.
class RegistrySecurity {
public:
    // `accounts`: the accounts API, which answers the /api/v1/ paths this module does not own.
    static Result<std::unique_ptr<RegistrySecurity>> open(const ServeOptions& options, registry::RegistryServer& server,
                                                          registry::AccessControl& access,
                                                          registry::AdminApi* accounts) {
        std::unique_ptr<RegistrySecurity> security(new RegistrySecurity());
        auto store = registry::SqliteScanStore::open(std::filesystem::path(options.data) / "metadata.db");
        if (!store) return store.error();
        security->store_ = std::move(*store);
        std::filesystem::path vulndb = options.db.empty() ? default_db_path() : std::filesystem::path(options.db);
        if (!std::filesystem::exists(vulndb))
            fmt::print(stderr, "moat serve: WARNING: no vulnerability database at {}: scans fail until "
                               "`moat db update --db {}` has run\n", vulndb.string(), vulndb.string());
        registry::ScanServiceOptions scan_options;
        scan_options.vulndb_path = vulndb;
        scan_options.workers = std::max(1, options.scan_workers);
        scan_options.layer_cache_bytes = static_cast<size_t>(options.layer_cache_mb) << 20;
        security->scans_ = std::make_unique<registry::ScanService>(server.blobs(), server.metadata(),
                                                                    *security->store_, scan_options);
        std::vector<registry::WebhookTarget> targets;
        for (const auto& url : options.webhooks) {
            if (Status valid = registry::validate_webhook_url(url); !valid.ok())
                return Error{"--webhook: " + valid.message()};
            targets.push_back({url, options.webhook_secret});
        }
        security->webhooks_ = std::make_unique<registry::WebhookNotifier>(std::move(targets));
        registry::WebhookNotifier* webhooks = security->webhooks_.get();
        registry::ScanService* scans = security->scans_.get();
        registry::ScanStore* scan_store = security->store_.get();
        if (webhooks->enabled())
            scans->on_scan_finished([webhooks, scans, scan_store](const std::string& repository,
                                                                  const std::string& digest) {
                webhooks->publish(scans->state(digest) == policy::ScanState::done ? "scan_completed" : "scan_failed",
                                  scan_event(*scans, *scan_store, repository, digest));
            });
        registry::PolicyGateOptions gate_options;
        gate_options.admins_bypass = options.policy_bypass_admins;
        if (webhooks->enabled())
            gate_options.refused = [webhooks](const std::string& user, const std::string& repository,
                                              const std::string& reference, const std::string& digest,
                                              const std::string& message) {
                webhooks->publish("pull_blocked", {{"repository", repository},
                                                   {"reference", reference},
                                                   {"digest", digest},
                                                   {"user", user},
                                                   {"message", message}});
            };
        security->gate_ = std::make_unique<registry::PolicyGate>(*security->scans_, *security->store_,
                                                                  server.metadata(), gate_options);
        server.distribution().set_gate(security->gate_.get());
        registry::SecurityApiOptions api_options;
        api_options.registry_hosts = options.registry_hosts;
        api_options.admit_other_registries = !options.deny_other_registries;
        security->api_ = std::make_unique<registry::SecurityApi>(*security->scans_, *security->store_,
                                                                  server.metadata(), access, api_options);
        registry::SecurityApi* api = security->api_.get();
        registry::FixApiOptions fix_options;
        fix_options.vulndb_path = vulndb;
        fix_options.repos = options.fix_repos;
        fix_options.keyring = options.fix_keyring;
        fix_options.debs = options.fix_debs;
        security->fix_ = std::make_unique<registry::FixApi>(*security->scans_, server.metadata(), access, *api,
                                                             std::move(fix_options));
        registry::FixApi* fixes = security->fix_.get();
        server.router().add("/api/v1/", [api, fixes, accounts, webhooks, &access](registry::HttpRequest& request) {
            if (request.path == "/api/v1/webhooks/deliveries") return webhook_deliveries(request, access, *webhooks);
            if (auto answer = api->handle(request)) return std::move(*answer);
            if (auto answer = fixes->handle(request)) return std::move(*answer);
            if (accounts) return accounts->handle(request);
            return registry::HttpResponse::json(404, R"({"error":"no such API endpoint"})");
        });
        server.router().add("/admission/validate",
                            [api](registry::HttpRequest& request) { return api->admission(request); });
        return security;
    }

    // Images pods name by the bound address (and localhost) are this registry's.
    void listening_on(const std::string& bound, bool tls) {
        // The fix API's child process reaches this server over loopback.
        std::string self = bound;
        for (const char* any : {"0.0.0.0:", "[::]:"})
            if (self.starts_with(any)) self = "127.0.0.1:" + self.substr(std::string_view(any).size());
        fix_->listening_on(self, tls);
        api_->add_registry_host(bound);
        if (size_t colon = bound.rfind(':'); colon != std::string::npos) {
            api_->add_registry_host("localhost" + bound.substr(colon));
            api_->add_registry_host("127.0.0.1" + bound.substr(colon));
        }
    }

    void start() {
        scans_->start();
        // The schedule and database watch: cheap checks, twice a minute.
        ticker_ = std::thread([this] {
            std::unique_lock lock(mutex_);
            while (!stopping_) {
                lock.unlock();
                if (auto queued = scans_->run_schedule(static_cast<int64_t>(std::time(nullptr))); !queued)
                    fmt::print(stderr, "moat serve: scheduled scan: {}\n", queued.error().message);
                if (auto rematched = scans_->rematch_if_database_changed(); rematched && *rematched)
                    fmt::print(stderr, "moat serve: the vulnerability database changed: stored images re-judged\n");
                lock.lock();
                wake_.wait_for(lock, std::chrono::seconds(30), [this] { return stopping_; });
            }
        });
    }

    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (ticker_.joinable()) ticker_.join();
        scans_->stop();
    }

private:
    RegistrySecurity() = default;
    // First, so it is destroyed last: scan workers and the gate publish to it until they stop.
    std::unique_ptr<registry::WebhookNotifier> webhooks_;
    std::unique_ptr<registry::SqliteScanStore> store_;
    std::unique_ptr<registry::ScanService> scans_;
    std::unique_ptr<registry::PolicyGate> gate_;
    std::unique_ptr<registry::SecurityApi> api_;
    std::unique_ptr<registry::FixApi> fix_;
    std::thread ticker_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
};

Result<std::chrono::seconds> parse_duration(const std::string& text) {
    if (text.empty()) return Error{"empty duration"};
    size_t digits = text.find_first_not_of("0123456789");
    if (digits == 0) return Error{fmt::format("duration {}: expected a number and s, m, h or d", text)};
    long long number = std::stoll(text.substr(0, digits));
    std::string unit = digits == std::string::npos ? "s" : text.substr(digits);
    if (unit == "s") return std::chrono::seconds(number);
    if (unit == "m") return std::chrono::seconds(number * 60);
    if (unit == "h") return std::chrono::seconds(number * 3600);
    if (unit == "d") return std::chrono::seconds(number * 86400);
    return Error{fmt::format("duration {}: expected a number and s, m, h or d", text)};
}

}  // namespace

int run_serve(ServeOptions options) {
    if (!options.config.empty()) {
        auto config = read_config(options.config);
        if (!config) {
            fmt::print(stderr, "moat serve: {}\n", config.error().message);
            return kExitUsage;
        }
        // Flags win over the file.
        auto fill = [&](std::string& field, const char* key) {
            if (field.empty() && config->count(key)) field = config->at(key);
        };
        fill(options.listen, "listen");
        fill(options.data, "data");
        fill(options.tls_cert, "tls_cert");
        fill(options.tls_key, "tls_key");
        fill(options.db, "db");
        fill(options.external_url, "external_url");
        fill(options.admin_password_file, "admin_password_file");
    }
    if (options.listen.empty()) options.listen = "127.0.0.1:5000";
    if (options.data.empty()) options.data = "moat-data";
    if (options.tls_cert.empty() != options.tls_key.empty()) {
        fmt::print(stderr, "moat serve: TLS needs both --tls-cert and --tls-key\n");
        return kExitUsage;
    }
    bool tls = !options.tls_cert.empty();
    auto address = registry::split_listen_address(options.listen);
    if (!address) {
        fmt::print(stderr, "moat serve: {}\n", address.error().message);
        return kExitUsage;
    }
    if (!tls && !registry::is_loopback_host(address->first)) {
        if (!options.insecure_plain_http) {
            fmt::print(stderr,
                       "moat serve: refusing plain HTTP on {}: credentials and images could be read or altered in "
                       "transit; give --tls-cert/--tls-key, or --insecure-plain-http to accept the risk\n",
                       options.listen);
            return kExitUsage;
        }
        fmt::print(stderr, "moat serve: WARNING: serving plain HTTP on {} (not loopback): traffic can be read and "
                           "altered in transit\n", options.listen);
    }
    // Whoever may do what: with --no-auth everyone may do everything; otherwise accounts,
    // namespaces and tokens (registry/auth) decide.
    std::unique_ptr<registry::RegistryAuth> auth;
    std::unique_ptr<registry::AccessControl> open_access;
    if (options.no_auth) {
        open_access = std::make_unique<registry::OpenAccess>();
    } else {
        registry::RegistryAuthOptions auth_options;
        auth_options.data_dir = options.data;
        auth_options.admin_password_file = options.admin_password_file;
        auth_options.access.external_url = options.external_url;
        auto opened = registry::RegistryAuth::open(auth_options);
        if (!opened) {
            fmt::print(stderr, "moat serve: {}\n", opened.error().message);
            return kExitError;
        }
        auth = std::move(*opened);
        if (auto users = auth->accounts().list_users(); users && users->empty())
            fmt::print(stderr, "moat serve: no accounts yet: give --admin-password-file to create the account admin\n");
    }
    registry::AccessControl* access = auth ? static_cast<registry::AccessControl*>(&auth->access()) : open_access.get();

    registry::RegistryOptions registry_options;
    registry_options.data_dir = options.data;
    registry_options.http.listen = options.listen;
    registry_options.http.tls_cert = options.tls_cert;
    registry_options.http.tls_key = options.tls_key;
    // Signals go to one waiting thread, which stops the server; every other thread blocks them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    auto server = registry::RegistryServer::open(registry_options, *access);
    if (!server) {
        fmt::print(stderr, "moat serve: {}: {}\n", options.data, server.error().message);
        return kExitError;
    }
    if (auth) auth->install((*server)->router());
    auto security = RegistrySecurity::open(options, **server, *access, auth ? &auth->api() : nullptr);
    if (!security) {
        fmt::print(stderr, "moat serve: {}\n", security.error().message);
        return kExitError;
    }
    if (Status listening = (*server)->listen(); !listening) {
        fmt::print(stderr, "moat serve: {}\n", listening.message());
        return kExitError;
    }
    std::string bound = (*server)->bound_address();
    if (!options.ready_file.empty()) {
        if (Status wrote = registry::write_file_atomically(options.ready_file, bound + "\n"); !wrote) {
            fmt::print(stderr, "moat serve: {}\n", wrote.message());
            return kExitError;
        }
    }
    (*security)->listening_on(bound, tls);
    fmt::print("moat serve: listening on {}://{} (data {})\n", tls ? "https" : "http", bound, options.data);
    std::fflush(stdout);

    registry::RegistryServer* running = server->get();
    std::thread signal_watcher([&signals, running] {
        int received = 0;
        sigwait(&signals, &received);
        running->stop();
    });
    (*security)->start();
    running->run();
    (*security)->stop();
    // run() returned on a signal; wake the watcher if it did not (it always did, today).
    pthread_kill(signal_watcher.native_handle(), SIGTERM);
    signal_watcher.join();
    return 0;
}

int run_gc(const GcOptions& options) {
    auto grace = parse_duration(options.grace);
    if (!grace) {
        fmt::print(stderr, "moat gc: {}\n", grace.error().message);
        return kExitUsage;
    }
    registry::BlobStore blobs(options.data);
    registry::UploadStore uploads(options.data, blobs);
    if (!std::filesystem::exists(std::filesystem::path(options.data) / "metadata.db")) {
        fmt::print(stderr, "moat gc: {}: not a moat registry data directory (no metadata.db)\n", options.data);
        return kExitError;
    }
    auto metadata = registry::SqliteMetadataStore::open(std::filesystem::path(options.data) / "metadata.db");
    if (!metadata) {
        fmt::print(stderr, "moat gc: {}\n", metadata.error().message);
        return kExitError;
    }
    registry::GarbageCollectionOptions gc_options;
    gc_options.grace = *grace;
    gc_options.dry_run = options.dry_run;
    auto result = registry::collect_garbage(blobs, uploads, **metadata, gc_options);
    if (!result) {
        fmt::print(stderr, "moat gc: {}\n", result.error().message);
        return kExitError;
    }
    fmt::print("{} {} blobs ({} bytes), kept {}, removed {} abandoned uploads\n",
               options.dry_run ? "would remove" : "removed", result->blobs_removed, result->bytes_removed,
               result->blobs_kept, result->uploads_removed);
    return 0;
}

}  // namespace moat
