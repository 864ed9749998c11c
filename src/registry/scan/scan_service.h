// The registry's scanner: a queue of image manifests to scan (on push, on request, on the
// schedule), worker threads that run moat's scan on the stored blobs directly, and the rematch
// that judges stored inventories again when the vulnerability database changes — without
// reading any layer. Verdicts for the pull gate come from what is stored here.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <string>
#include <thread>
#include <vector>

#include "policy/verdict.h"
#include "registry/metadata/metadata_store.h"
#include "registry/scan/scan_store.h"
#include "scanner/layer_cache.h"
#include "registry/storage/blob_store.h"
#include "util/result.h"

namespace moat::registry {

struct ScanServiceOptions {
    std::filesystem::path vulndb_path;        // opened per scan, so an updated file is picked up
    int workers = 1;
    std::function<int64_t()> clock;           // Unix seconds; tests inject a fake one
    // Layer analyses kept by ChainID and shared by all scans (0: off): a layer shared by many
    // images is read once.
    size_t layer_cache_bytes = size_t{512} << 20;
};

struct ScanCounters {
    std::atomic<uint64_t> scans{0};        // images scanned (layers read)
    std::atomic<uint64_t> layers_read{0};  // layer streams opened by scans
    std::atomic<uint64_t> rematches{0};    // stored inventories matched again
    std::atomic<uint64_t> refused{0};      // scans refused by the quota
};

class ScanService {
public:
    ScanService(BlobStore& blobs, MetadataStore& metadata, ScanStore& store, ScanServiceOptions options);
    ~ScanService();
    ScanService(const ScanService&) = delete;
    ScanService& operator=(const ScanService&) = delete;

    void start();  // worker threads
    void stop();

    // Queues a scan of `digest` in `repository`. An index queues each platform manifest;
    // artifacts (signatures, SBOMs: a config media type that is not an image config) are not
    // images and are not scanned. A scan beyond the quota is recorded as failed with the
    // quota's message, never dropped silently.
    Status enqueue(const std::string& repository, const std::string& digest);
    // Runs everything queued on the calling thread (tests; `moat serve` uses the workers).
    void drain();
    // Blocks until the queue is empty and no scan runs (tests).
    void wait_idle();

    // Matches every stored inventory again against the database now at vulndb_path.
    Result<size_t> rematch_all();
    // The database's updated_at changed since the last scan or rematch: rematch. Returns
    // whether it did.
    Result<bool> rematch_if_database_changed();

    // Starts a scheduled cycle when one is due (scan configuration: cycle, window, scope).
    // Returns how many manifests were queued.
    Result<size_t> run_schedule(int64_t now);

    // The pull gate's verdict on `digest` (an index: the worst of its platform manifests).
    policy::Verdict verdict(const std::string& repository, const std::string& digest,
                            const std::string& report_path);
    // The scan state of a manifest (an index: the least finished of its children).
    policy::ScanState state(const std::string& digest);

    const ScanCounters& counters() const { return counters_; }
    const LayerCache* layer_cache() const { return layer_cache_.get(); }

    // Called from the worker once a scan of `digest` has finished or failed (webhooks). Set
    // before start().
    using ScanListener = std::function<void(const std::string& repository, const std::string& digest)>;
    void on_scan_finished(ScanListener listener) { scan_listener_ = std::move(listener); }

private:
    struct Job {
        std::string repository;
        std::string digest;
    };
    void worker_loop();
    void run_job(const Job& job);
    Status scan_manifest(const Job& job);
    Result<std::vector<std::string>> platform_manifests(const std::string& repository, const std::string& digest);
    // Every write of a scan record goes through here, so the pull gate's cache stays true.
    Status save(const ScanRecord& record);
    // verdict() without its cache; `cacheable` false when the policy could not be read.
    policy::Verdict judge(const std::string& repository, const std::string& digest, const std::string& report_path,
                          const std::string& today, bool& cacheable);
    // What the pull gate needs of one image's scan, parsed once per stored record.
    struct GateView {
        policy::ScanState state = policy::ScanState::none;
        std::shared_ptr<const std::vector<policy::GateFinding>> findings;
    };
    GateView gate_view(const std::string& image);
    // platform_manifests, remembered: a manifest's children never change (content-addressed).
    Result<std::vector<std::string>> cached_platform_manifests(const std::string& repository,
                                                               const std::string& digest);
    int64_t now() const { return options_.clock ? options_.clock() : static_cast<int64_t>(std::time(nullptr)); }

    BlobStore& blobs_;
    MetadataStore& metadata_;
    ScanStore& store_;
    ScanServiceOptions options_;
    ScanCounters counters_;
    std::unique_ptr<LayerCache> layer_cache_;
    ScanListener scan_listener_;
    std::string last_db_updated_at_;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::deque<Job> queue_;
    std::set<std::string> queued_;  // digests waiting, so a burst of pushes queues each once
    size_t running_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;

    // The pull gate's caches: a pull must not read and parse a stored report (issue 7's bench:
    // the gate costs under 10 % of manifest GETs). Bounded by clearing when full.
    std::shared_mutex gate_mutex_;
    uint64_t gate_generation_ = 0;  // bumped by every save(); a miss computed across one is not kept
    std::unordered_map<std::string, GateView> gate_views_;
    std::unordered_map<std::string, std::vector<std::string>> platform_images_;
    struct CachedVerdict {
        uint64_t policy_generation = 0, gate_generation = 0;
        std::string today;  // allowlist entries expire by the day
        policy::Verdict verdict;
    };
    std::unordered_map<std::string, CachedVerdict> verdicts_;  // by "repository@digest"
};

}  // namespace moat::registry
