#include "registry/scan/scan_service.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "registry/scan/stored_image.h"
#include "report/sbom_reader.h"
#include "report/sbom_report.h"
#include "report/scan_report.h"
#include "scanner/inventory_scanner.h"
#include "scanner/risk_scan.h"
#include "vulndb/matcher.h"

namespace moat::registry {

namespace {

using nlohmann::json;

constexpr size_t kMaxIndexChildren = 256;

bool is_image_config_type(std::string_view media_type) {
    return media_type == "application/vnd.oci.image.config.v1+json" ||
           media_type == "application/vnd.docker.container.image.v1+json";
}

std::string namespace_of(const std::string& repository) { return repository.substr(0, repository.find('/')); }

void sort_packages(std::vector<Package>& packages) {
    std::stable_sort(packages.begin(), packages.end(), [](const Package& a, const Package& b) {
        return std::tie(a.type, a.name, a.version, a.arch) < std::tie(b.type, b.name, b.version, b.arch);
    });
}

// Findings of a stored report that come from reading files (secrets, malware samples, config,
// baseline) rather than from the database: a rematch keeps them as they are.
bool found_in_files(const json& finding) {
    std::string kind = finding.value("kind", "");
    if (kind == "vulnerability") return false;
    return !(kind == "malware" && finding.contains("package"));  // MAL- advisories come from the database
}

// The stored report with its database findings replaced by `fresh` (a report of the same image
// holding vulnerability findings only), and the summary counted again.
std::string merge_rematch(const std::string& stored_report, const json& fresh) {
    json report = json::parse(stored_report, nullptr, false);
    if (!report.is_object()) return fresh.dump();
    json findings = fresh.value("findings", json::array());
    if (report.contains("findings") && report["findings"].is_array())
        for (const auto& finding : report["findings"])
            if (found_in_files(finding)) findings.push_back(finding);
    json summary = {{"CRITICAL", 0}, {"HIGH", 0}, {"MEDIUM", 0}, {"LOW", 0}, {"UNKNOWN", 0}};
    for (const auto& finding : findings) {
        std::string severity = finding.value("severity", "UNKNOWN");
        if (summary.contains(severity)) summary[severity] = summary[severity].get<int>() + 1;
    }
    report["findings"] = std::move(findings);
    report["summary"] = std::move(summary);
    if (fresh.contains("db")) report["db"] = fresh["db"];
    return report.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

ScanService::ScanService(BlobStore& blobs, MetadataStore& metadata, ScanStore& store, ScanServiceOptions options)
    : blobs_(blobs), metadata_(metadata), store_(store), options_(std::move(options)) {
    if (options_.layer_cache_bytes > 0) layer_cache_ = std::make_unique<LayerCache>(options_.layer_cache_bytes);
}

ScanService::~ScanService() { stop(); }

void ScanService::start() {
    std::lock_guard lock(mutex_);
    stopping_ = false;
    for (int i = 0; i < std::max(1, options_.workers); ++i) threads_.emplace_back([this] { worker_loop(); });
}

void ScanService::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
}

Result<std::vector<std::string>> ScanService::platform_manifests(const std::string& repository,
                                                                 const std::string& digest) {
    auto record = metadata_.get_manifest(repository, digest);
    if (!record) return record.error();
    if (!*record) return Error{fmt::format("{}@{}: no such manifest", repository, digest)};
    std::vector<std::string> images;
    if (!(*record)->child_manifests.empty()) {
        for (const auto& child : (*record)->child_manifests) {
            if (images.size() >= kMaxIndexChildren) break;
            auto child_record = metadata_.get_manifest(repository, child);
            if (!child_record) return child_record.error();
            if (*child_record && (*child_record)->child_manifests.empty() &&
                is_image_config_type((*child_record)->artifact_type))
                images.push_back(child);
        }
        return images;
    }
    if (is_image_config_type((*record)->artifact_type)) images.push_back(digest);
    return images;
}

Status ScanService::enqueue(const std::string& repository, const std::string& digest) {
    auto images = platform_manifests(repository, digest);
    if (!images) return images.error();
    Status outcome;
    for (const auto& image : *images) {
        {
            std::lock_guard lock(mutex_);
            if (queued_.count(image)) continue;
        }
        if (Status quota = store_.consume_quota(); !quota.ok()) {
            ++counters_.refused;
            (void)save(ScanRecord{image, repository, policy::ScanState::failed, quota.message(), now(), "", "", ""});
            outcome = quota;
            continue;
        }
        auto existing = store_.get(image);
        ScanRecord record;
        if (existing && *existing) record = **existing;  // keep the last report until the new one lands
        record.manifest_digest = image;
        if (record.repository.empty()) record.repository = repository;
        record.state = policy::ScanState::queued;
        record.error.clear();
        record.updated_at = now();
        if (Status saved = save(record); !saved.ok()) return saved;
        {
            std::lock_guard lock(mutex_);
            queued_.insert(image);
            queue_.push_back(Job{repository, image});
        }
        wake_.notify_one();
    }
    return outcome;
}

void ScanService::worker_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        Job job = std::move(queue_.front());
        queue_.pop_front();
        ++running_;
        lock.unlock();
        run_job(job);
        lock.lock();
        queued_.erase(job.digest);
        --running_;
        if (queue_.empty() && running_ == 0) idle_.notify_all();
    }
}

void ScanService::drain() {
    for (;;) {
        Job job;
        {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) return;
            job = std::move(queue_.front());
            queue_.pop_front();
            ++running_;
        }
        run_job(job);
        std::lock_guard lock(mutex_);
        queued_.erase(job.digest);
        --running_;
    }
}

void ScanService::wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
}

void ScanService::run_job(const Job& job) {
    Status scanned = scan_manifest(job);
    if (scanned.ok()) {
        if (scan_listener_) scan_listener_(job.repository, job.digest);
        return;
    }
    auto existing = store_.get(job.digest);
    ScanRecord record;
    if (existing && *existing) record = **existing;
    record.manifest_digest = job.digest;
    record.repository = job.repository;
    record.state = policy::ScanState::failed;
    record.error = scanned.message();
    record.updated_at = now();
    (void)save(record);
    if (scan_listener_) scan_listener_(job.repository, job.digest);
}

Status ScanService::scan_manifest(const Job& job) {
    ScanRecord record;
    record.manifest_digest = job.digest;
    record.repository = job.repository;
    record.state = policy::ScanState::running;
    record.updated_at = now();
    if (Status saved = save(record); !saved.ok()) return saved;

    std::string ref = fmt::format("{}@{}", job.repository, job.digest);
    auto source = open_stored_image(blobs_, ref, job.digest);
    if (!source) return source.error();
    auto selection = parse_scanners("vuln,secret,malware,config,baseline");
    if (!selection) return selection.error();
    auto risks = RiskScan::create(RiskScanOptions{*selection, {}, ""});
    if (!risks) return risks.error();
    InventoryScanner scanner(default_package_analyzers());
    (*risks)->attach(scanner);
    scanner.on_layer([this](const LayerProgress&) { ++counters_.layers_read; });
    scanner.use_layer_cache(layer_cache_.get());
    auto inventory = scanner.scan(**source);
    if (!inventory) return inventory.error();
    sort_packages(inventory->packages);
    ++counters_.scans;

    auto db = VulnDatabase::open(options_.vulndb_path);
    if (!db) return db.error();
    ScanResult result;
    result.db = (*db)->status();
    result.vulnerabilities = Matcher(**db).match(inventory->packages, inventory->os);
    result.risks = (*risks)->findings(*inventory);
    record.inventory_json = sbom_json(*inventory).dump(-1, ' ', false, json::error_handler_t::replace);
    result.inventory = std::move(*inventory);
    record.report_json = scan_json(result).dump(-1, ' ', false, json::error_handler_t::replace);
    record.db_updated_at = result.db.updated_at;
    record.state = policy::ScanState::done;
    record.updated_at = now();
    {
        std::lock_guard lock(mutex_);
        last_db_updated_at_ = record.db_updated_at;
    }
    return save(record);
}

Result<size_t> ScanService::rematch_all() {
    auto db = VulnDatabase::open(options_.vulndb_path);
    if (!db) return db.error();
    DbStatus status = (*db)->status();
    Matcher matcher(**db);
    auto digests = store_.digests_in_state(policy::ScanState::done);
    if (!digests) return digests.error();
    size_t rematched = 0;
    for (const auto& digest : *digests) {
        auto record = store_.get(digest);
        if (!record) return record.error();
        if (!*record) continue;
        auto inventory = inventory_from_sbom_json((*record)->inventory_json);
        if (!inventory) return Error{fmt::format("stored inventory of {}: {}", digest, inventory.error().message)};
        ScanResult result;
        result.db = status;
        result.vulnerabilities = matcher.match(inventory->packages, inventory->os);
        result.inventory = std::move(*inventory);
        ScanRecord updated = **record;
        updated.report_json = merge_rematch(updated.report_json, scan_json(result));
        updated.db_updated_at = status.updated_at;
        updated.updated_at = now();
        if (Status saved = save(updated); !saved.ok()) return saved.error();
        ++counters_.rematches;
        ++rematched;
    }
    std::lock_guard lock(mutex_);
    last_db_updated_at_ = status.updated_at;
    return rematched;
}

Result<bool> ScanService::rematch_if_database_changed() {
    auto db = VulnDatabase::open(options_.vulndb_path);
    if (!db) return db.error();
    std::string updated_at = (*db)->status().updated_at;
    {
        std::lock_guard lock(mutex_);
        if (updated_at == last_db_updated_at_) return false;
    }
    db->reset();
    auto rematched = rematch_all();
    if (!rematched) return rematched.error();
    return true;
}

Result<size_t> ScanService::run_schedule(int64_t at) {
    auto config = store_.scan_config();
    if (!config) return config.error();
    auto last = store_.last_cycle_start();
    if (!last) return last.error();
    auto next = next_cycle_start(*config, *last, at);
    if (!next || *next > at) return size_t{0};
    if (Status saved = store_.set_last_cycle_start(at); !saved.ok()) return saved.error();
    size_t queued = 0;
    PageRequest page;
    page.limit = 1000;
    for (;;) {
        auto repositories = metadata_.list_repositories(page);
        if (!repositories) return repositories.error();
        for (const auto& repository : *repositories) {
            if (!in_scope(*config, repository)) continue;
            PageRequest tag_page;
            tag_page.limit = 1000;
            for (;;) {
                auto tags = metadata_.list_tags(repository, tag_page);
                if (!tags) return tags.error();
                for (const auto& tag : *tags) {
                    auto digest = metadata_.resolve_tag(repository, tag);
                    if (!digest || !*digest) continue;
                    if (enqueue(repository, **digest).ok()) ++queued;
                }
                if (tags->size() < *tag_page.limit) break;
                tag_page.last = tags->back();
            }
        }
        if (repositories->size() < *page.limit) break;
        page.last = repositories->back();
    }
    return queued;
}

policy::ScanState ScanService::state(const std::string& digest) {
    auto record = store_.get(digest);
    if (!record || !*record) return policy::ScanState::none;
    return (*record)->state;
}

policy::Verdict ScanService::verdict(const std::string& repository, const std::string& digest,
                                     const std::string& report_path) {
    std::string key = repository + "@" + digest;
    std::string today = policy::utc_date(now());
    uint64_t policy_generation = store_.policy_generation();
    uint64_t gate_generation;
    {
        std::shared_lock lock(gate_mutex_);
        if (auto found = verdicts_.find(key); found != verdicts_.end() &&
                                              found->second.policy_generation == policy_generation &&
                                              found->second.gate_generation == gate_generation_ &&
                                              found->second.today == today)
            return found->second.verdict;
        gate_generation = gate_generation_;
    }
    bool cacheable = true;
    policy::Verdict judged = judge(repository, digest, report_path, today, cacheable);
    std::unique_lock lock(gate_mutex_);
    if (cacheable && gate_generation == gate_generation_ && policy_generation == store_.policy_generation()) {
        constexpr size_t kMaxVerdicts = 65536;
        if (verdicts_.size() >= kMaxVerdicts) verdicts_.clear();
        verdicts_[key] = CachedVerdict{policy_generation, gate_generation, today, judged};
    }
    return judged;
}

policy::Verdict ScanService::judge(const std::string& repository, const std::string& digest,
                                   const std::string& report_path, const std::string& today, bool& cacheable) {
    std::string namespace_name = namespace_of(repository);
    auto policy = store_.policy(namespace_name);
    policy::Verdict verdict;
    if (!policy) {  // a policy that cannot be read blocks: failing open would hand out what it should stop
        cacheable = false;
        verdict.blocked = true;
        verdict.reason = fmt::format("blocked: the policy of namespace {} cannot be read ({})", namespace_name,
                                     policy.error().message);
        return verdict;
    }
    if (!policy->block_enabled) return verdict;
    auto images = cached_platform_manifests(repository, digest);
    if (!images) {  // unknown manifest: the distribution API answers 404 itself
        cacheable = false;  // it may be pushed next
        return verdict;
    }
    for (const auto& image : *images) {
        GateView view = gate_view(image);
        policy::GateInput input;
        input.namespace_name = namespace_name;
        input.today = today;
        input.report_path = report_path;
        input.scan_state = view.state;
        static const std::vector<policy::GateFinding> kNone;
        input.findings = view.findings ? view.findings.get() : &kNone;
        policy::Verdict judged = policy::evaluate_gate(*policy, input);
        if (judged.blocked) return judged;
    }
    return verdict;
}

Status ScanService::save(const ScanRecord& record) {
    Status saved = store_.put(record);
    std::unique_lock lock(gate_mutex_);
    ++gate_generation_;
    gate_views_.erase(record.manifest_digest);
    return saved;
}

ScanService::GateView ScanService::gate_view(const std::string& image) {
    uint64_t generation;
    {
        std::shared_lock lock(gate_mutex_);
        if (auto found = gate_views_.find(image); found != gate_views_.end()) return found->second;
        generation = gate_generation_;
    }
    GateView view;
    auto record = store_.get(image);
    if (record && *record) {
        view.state = (*record)->state;
        // A rescan in progress keeps judging by the last finished report.
        if (!(*record)->report_json.empty() && view.state != policy::ScanState::failed) {
            if (auto stored = policy::gate_findings_from_report((*record)->report_json)) {
                view.findings = std::make_shared<const std::vector<policy::GateFinding>>(std::move(*stored));
                view.state = policy::ScanState::done;
            }
        }
    } else if (!record) {
        return view;  // unreadable: judged as not scanned, and not remembered
    }
    std::unique_lock lock(gate_mutex_);
    if (generation == gate_generation_) {
        constexpr size_t kMaxGateViews = 65536;
        if (gate_views_.size() >= kMaxGateViews) gate_views_.clear();
        gate_views_.emplace(image, view);
    }
    return view;
}

Result<std::vector<std::string>> ScanService::cached_platform_manifests(const std::string& repository,
                                                                        const std::string& digest) {
    std::string key = repository + "@" + digest;
    {
        std::shared_lock lock(gate_mutex_);
        if (auto found = platform_images_.find(key); found != platform_images_.end()) return found->second;
    }
    auto images = platform_manifests(repository, digest);
    if (!images) return images;
    std::unique_lock lock(gate_mutex_);
    constexpr size_t kMaxPlatformEntries = 65536;
    if (platform_images_.size() >= kMaxPlatformEntries) platform_images_.clear();
    platform_images_.emplace(key, *images);
    return images;
}

}  // namespace moat::registry
