// The registry's scanner on the real test image stored as a push leaves it (blob store +
// metadata): the scan reads the stored blobs, the report holds the image's real findings, the
// namespace policy turns them into a verdict with the message a user sees, and a database
// update re-judges the stored inventory without reading any layer again. Also the schedule
// and the quota with a fake clock.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "registry/metadata/sqlite_metadata_store.h"
#include "registry/scan/scan_service.h"
#include "registry/scan/scan_store.h"
#include "registry/storage/blob_store.h"
#include "support/full_database.h"
#include "support/run_command.h"
#include "support/test_images.h"

namespace moat::testing {
namespace {

using json = nlohmann::json;
using namespace moat::registry;

constexpr int64_t kMonday = 1795392000;  // 2026-11-23 00:00 UTC

// A database holding only the crates.io advisories: nothing in the test image matches it.
fs::path crates_only_database(const fs::path& dir) {
    fs::path source = dir / "source" / "crates.io";
    fs::create_directories(source);
    fs::copy_file(fs::path(MOAT_SHARED_DIR) / "vulndb" / "crates.io" / "all.zip", source / "all.zip");
    fs::path db = dir / "crates.db";
    auto made = run_command({MOAT_BINARY, "db", "update", "--source", (dir / "source").string(), "--db", db.string()});
    if (made.exit_code != 0) throw std::runtime_error("moat db update: " + made.err);
    return db;
}

class RegistryScan : public ::testing::Test {
protected:
    void SetUp() override {
        const char* dir = std::getenv("MOAT_TEST_IMAGE_DIR");
        if (!dir) GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR is not set (scripts/test.sh sets it)";
        layout_ = fs::path(dir) / "oci";
        blobs_ = std::make_unique<BlobStore>(scratch_.path());
        ASSERT_TRUE(blobs_->initialize());
        auto metadata = SqliteMetadataStore::open(scratch_ / "metadata.db");
        ASSERT_TRUE(metadata.ok()) << metadata.error().message;
        metadata_ = std::move(*metadata);
        auto store = SqliteScanStore::open(scratch_ / "metadata.db");
        ASSERT_TRUE(store.ok()) << store.error().message;
        store_ = std::move(*store);
        digest_ = store_image("team/app", "1.0");
    }

    // What a push of the layout's image 1.0 leaves in the registry.
    std::string store_image(const std::string& repository, const std::string& tag) {
        json index = json::parse(std::ifstream(layout_ / "index.json"));
        std::string digest = index["manifests"][0]["digest"];
        auto blob_path = [&](const std::string& d) { return layout_ / "blobs" / "sha256" / d.substr(7); };
        json manifest = json::parse(std::ifstream(blob_path(digest)));
        ManifestRecord record;
        record.digest = digest;
        record.media_type = manifest.value("mediaType", "application/vnd.oci.image.manifest.v1+json");
        record.size = fs::file_size(blob_path(digest));
        record.artifact_type = manifest["config"]["mediaType"];
        record.blobs.push_back(manifest["config"]["digest"]);
        for (const auto& layer : manifest["layers"]) record.blobs.push_back(layer["digest"]);
        std::vector<std::string> all = record.blobs;
        all.push_back(digest);
        for (const auto& blob : all) {
            fs::path copy = blobs_->temp_dir() / "incoming";
            fs::copy_file(blob_path(blob), copy, fs::copy_options::overwrite_existing);
            EXPECT_TRUE(blobs_->adopt(copy, blob));
            EXPECT_TRUE(metadata_->link_blob(repository, blob));
        }
        EXPECT_TRUE(metadata_->put_manifest(repository, record, tag));
        return digest;
    }

    // The test image with one more (uncompressed) layer on top, stored under `tag`: it shares
    // every layer of 1.0 but the last.
    std::string store_image_with_extra_layer(const std::string& repository, const std::string& tag,
                                             const std::string& layer_tar) {
        std::string base = store_image(repository, "base-of-" + tag);
        auto blob_path = [&](const std::string& d) { return layout_ / "blobs" / "sha256" / d.substr(7); };
        json manifest = json::parse(std::ifstream(blob_path(base)));
        json config = json::parse(std::ifstream(blob_path(manifest["config"]["digest"])));
        std::string layer_digest = sha256_of(layer_tar);
        config["rootfs"]["diff_ids"].push_back(layer_digest);
        std::string config_bytes = config.dump();
        std::string config_digest = sha256_of(config_bytes);
        manifest["config"]["digest"] = config_digest;
        manifest["config"]["size"] = config_bytes.size();
        manifest["layers"].push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                                      {"digest", layer_digest},
                                      {"size", layer_tar.size()}});
        std::string manifest_bytes = manifest.dump();
        std::string digest = sha256_of(manifest_bytes);
        for (const auto& [blob, bytes] : std::vector<std::pair<std::string, std::string>>{
                 {layer_digest, layer_tar}, {config_digest, config_bytes}, {digest, manifest_bytes}}) {
            fs::path copy = blobs_->temp_dir() / "incoming";
            write_file(copy, bytes);
            EXPECT_TRUE(blobs_->adopt(copy, blob));
            EXPECT_TRUE(metadata_->link_blob(repository, blob));
        }
        ManifestRecord record;
        record.digest = digest;
        record.media_type = manifest.value("mediaType", "application/vnd.oci.image.manifest.v1+json");
        record.size = manifest_bytes.size();
        record.artifact_type = manifest["config"]["mediaType"];
        record.blobs.push_back(config_digest);
        for (const auto& layer : manifest["layers"]) record.blobs.push_back(layer["digest"]);
        EXPECT_TRUE(metadata_->put_manifest(repository, record, tag));
        return digest;
    }

    json stored_report(const std::string& digest) {
        auto record = store_->get(digest);
        EXPECT_TRUE(record.ok() && record->has_value());
        if (!record.ok() || !record->has_value()) return {};
        json report = json::parse((*record)->report_json, nullptr, false);
        return {{"findings", report["findings"]}, {"summary", report["summary"]}, {"os", report["os"]}};
    }

    ScanService service(const fs::path& db, int64_t* clock = nullptr) {
        ScanServiceOptions options;
        options.vulndb_path = db;
        if (clock) options.clock = [clock] { return *clock; };
        return ScanService(*blobs_, *metadata_, *store_, options);
    }

    ScratchDir scratch_;
    fs::path layout_;
    std::unique_ptr<BlobStore> blobs_;
    std::unique_ptr<SqliteMetadataStore> metadata_;
    std::unique_ptr<SqliteScanStore> store_;
    std::string digest_;
};

TEST_F(RegistryScan, PushedImageIsScannedAndBlockedWithAnActionableMessage) {
    fs::path db = full_database();
    ScanServiceOptions options;
    options.vulndb_path = db;
    ScanService scans(*blobs_, *metadata_, *store_, options);
    ASSERT_TRUE(scans.enqueue("team/app", digest_));
    EXPECT_EQ(scans.state(digest_), policy::ScanState::queued);
    scans.drain();
    ASSERT_EQ(scans.state(digest_), policy::ScanState::done);
    EXPECT_EQ(scans.counters().layers_read.load(), 4u);

    auto record = store_->get(digest_);
    ASSERT_TRUE(record.ok() && record->has_value());
    json report = json::parse((*record)->report_json);
    EXPECT_EQ(report["image"]["digest"], digest_);
    std::set<std::string> kinds;
    for (const auto& finding : report["findings"]) kinds.insert(finding["kind"]);
    EXPECT_TRUE(kinds.count("vulnerability") && kinds.count("secret") && kinds.count("malware")) << report["summary"];

    // Blocking off: nothing is blocked. At HIGH: blocked, and the message names the namespace,
    // the counts and the first ids, and where to read the report.
    std::string report_path = "/api/v1/repositories/team/app/manifests/" + digest_ + "/report";
    EXPECT_FALSE(scans.verdict("team/app", digest_, report_path).blocked);
    policy::NamespacePolicy policy;
    policy.block_enabled = true;
    policy.block_severity = Severity::High;
    ASSERT_TRUE(store_->set_policy("team", policy));
    policy::Verdict verdict = scans.verdict("team/app", digest_, report_path);
    ASSERT_TRUE(verdict.blocked);
    EXPECT_TRUE(verdict.reason.starts_with("blocked by policy of namespace team: ")) << verdict.reason;
    EXPECT_NE(verdict.reason.find("HIGH"), std::string::npos) << verdict.reason;
    EXPECT_NE(verdict.reason.find("; see " + report_path), std::string::npos) << verdict.reason;

    // Allowlisting every blocking id lets the same image through; the policy is read anew.
    for (const auto& id : verdict.blocking_ids) policy.allowlist.push_back({id, ""});
    ASSERT_TRUE(store_->set_policy("team", policy));
    EXPECT_FALSE(scans.verdict("team/app", digest_, report_path).blocked);
}

// The gate remembers verdicts (a pull must not parse the stored report), yet every change that
// can alter one shows on the next call: a policy write, a new scan record, and the day an
// allowlist entry expires.
TEST_F(RegistryScan, RememberedVerdictsFollowPolicyScanAndAllowlistExpiry) {
    int64_t clock = kMonday + 12 * 3600;  // 2026-11-23 12:00 UTC
    auto scans = service(full_database(), &clock);
    policy::NamespacePolicy policy;
    policy.block_enabled = true;
    policy.block_severity = Severity::High;
    policy.unscanned = policy::UnscannedRule::block;
    ASSERT_TRUE(store_->set_policy("team", policy));
    EXPECT_TRUE(scans.verdict("team/app", digest_, "").blocked);  // not scanned yet
    ASSERT_TRUE(scans.enqueue("team/app", digest_));
    scans.drain();
    policy::Verdict blocked = scans.verdict("team/app", digest_, "");
    ASSERT_TRUE(blocked.blocked) << "the new scan record was not seen";
    EXPECT_NE(blocked.reason.find("HIGH"), std::string::npos) << blocked.reason;
    EXPECT_EQ(scans.verdict("team/app", digest_, "").reason, blocked.reason);  // remembered, the same

    // Allowlisted through today: allowed now, blocked again tomorrow with no write at all.
    for (const auto& id : blocked.blocking_ids) policy.allowlist.push_back({id, "2026-11-23"});
    ASSERT_TRUE(store_->set_policy("team", policy));
    EXPECT_FALSE(scans.verdict("team/app", digest_, "").blocked);
    EXPECT_FALSE(scans.verdict("team/app", digest_, "").blocked);
    clock += 24 * 3600;
    EXPECT_TRUE(scans.verdict("team/app", digest_, "").blocked) << "an expired allowlist entry still counted";

    // Blocking off: the next verdict allows.
    policy.block_enabled = false;
    ASSERT_TRUE(store_->set_policy("team", policy));
    EXPECT_FALSE(scans.verdict("team/app", digest_, "").blocked);
}

// A layer shared by many images is analysed once: the second image (1.0 plus one layer) opens
// only its own layer, and every report equals the one a scan without the cache writes.
TEST_F(RegistryScan, SharedLayersAreAnalysedOnceAndReportsDoNotChange) {
    fs::path db = full_database();
    std::string extra = TarBuilder()
                            .directory("app/")
                            .file("app/extra/server.key", "not really a key, but named like one\n")
                            .file("etc/motd", "fixed\n")
                            .finish();
    std::string second = store_image_with_extra_layer("team/app", "1.1", extra);

    ScanServiceOptions uncached_options;
    uncached_options.vulndb_path = db;
    uncached_options.layer_cache_bytes = 0;
    ScanService uncached(*blobs_, *metadata_, *store_, uncached_options);
    ASSERT_TRUE(uncached.enqueue("team/app", digest_));
    ASSERT_TRUE(uncached.enqueue("team/app", second));
    uncached.drain();
    json cold_first = stored_report(digest_), cold_second = stored_report(second);
    EXPECT_EQ(uncached.counters().layers_read.load(), 9u);  // 4 + 5
    bool secret_in_extra_layer = false;
    for (const auto& finding : cold_second["findings"])
        if (finding.value("kind", "") == "secret" && finding.value("path", "") == "app/extra/server.key") secret_in_extra_layer = true;
    EXPECT_TRUE(secret_in_extra_layer) << "the extra layer's sensitive file was not reported";

    auto scans = service(db);
    ASSERT_NE(scans.layer_cache(), nullptr);
    ASSERT_TRUE(scans.enqueue("team/app", digest_));
    scans.drain();
    EXPECT_EQ(scans.counters().layers_read.load(), 4u);
    EXPECT_EQ(stored_report(digest_), cold_first);
    ASSERT_TRUE(scans.enqueue("team/app", second));
    scans.drain();
    EXPECT_EQ(scans.counters().layers_read.load(), 5u) << "only the new layer is read";
    EXPECT_EQ(scans.layer_cache()->hits(), 4u);
    EXPECT_EQ(stored_report(second), cold_second);
    // A rescan of the first image reads nothing.
    ASSERT_TRUE(scans.enqueue("team/app", digest_));
    scans.drain();
    EXPECT_EQ(scans.counters().layers_read.load(), 5u);
    EXPECT_EQ(stored_report(digest_), cold_first);

    // A budget too small for any layer keeps nothing, and the reports stay the same.
    ScanServiceOptions tiny = uncached_options;
    tiny.layer_cache_bytes = 1024;
    ScanService small(*blobs_, *metadata_, *store_, tiny);
    ASSERT_TRUE(small.enqueue("team/app", second));
    small.drain();
    EXPECT_EQ(small.counters().layers_read.load(), 5u);
    EXPECT_EQ(stored_report(second), cold_second);
}

TEST_F(RegistryScan, UnscannedImagesFollowTheUnscannedRule) {
    auto scans = service(full_database());
    policy::NamespacePolicy policy;
    policy.block_enabled = true;
    policy.unscanned = policy::UnscannedRule::block;
    ASSERT_TRUE(store_->set_policy("team", policy));
    policy::Verdict verdict = scans.verdict("team/app", digest_, "");
    ASSERT_TRUE(verdict.blocked);
    EXPECT_NE(verdict.reason.find("not been scanned"), std::string::npos) << verdict.reason;
    policy.unscanned = policy::UnscannedRule::allow;
    ASSERT_TRUE(store_->set_policy("team", policy));
    EXPECT_FALSE(scans.verdict("team/app", digest_, "").blocked);
}

TEST_F(RegistryScan, DatabaseUpdateRematchesWithoutReadingLayers) {
    fs::path db = scratch_ / "current.db";
    fs::copy_file(crates_only_database(scratch_.path()), db);
    auto scans = service(db);
    policy::NamespacePolicy policy;
    policy.block_enabled = true;
    policy.block_severity = Severity::High;
    ASSERT_TRUE(store_->set_policy("team", policy));
    ASSERT_TRUE(scans.enqueue("team/app", digest_));
    scans.drain();
    ASSERT_EQ(scans.state(digest_), policy::ScanState::done);
    EXPECT_FALSE(scans.verdict("team/app", digest_, "").blocked);
    uint64_t layers = scans.counters().layers_read.load();
    EXPECT_EQ(layers, 4u);

    auto unchanged = scans.rematch_if_database_changed();
    ASSERT_TRUE(unchanged.ok());
    EXPECT_FALSE(*unchanged);

    // The update lands the way `moat db update` lands it: a new file renamed over the old.
    fs::copy_file(full_database(), scratch_ / "next.db");
    fs::rename(scratch_ / "next.db", db);
    auto rematched = scans.rematch_if_database_changed();
    ASSERT_TRUE(rematched.ok()) << rematched.error().message;
    EXPECT_TRUE(*rematched);
    EXPECT_TRUE(scans.verdict("team/app", digest_, "").blocked);
    EXPECT_EQ(scans.counters().layers_read.load(), layers) << "a rematch must not read layers";
    EXPECT_EQ(scans.counters().scans.load(), 1u);
    EXPECT_EQ(scans.counters().rematches.load(), 1u);
    // The secrets and the malware sample found in the files survive the rematch.
    json report = json::parse((*store_->get(digest_))->report_json);
    std::set<std::string> kinds;
    for (const auto& finding : report["findings"]) kinds.insert(finding["kind"]);
    EXPECT_TRUE(kinds.count("vulnerability") && kinds.count("secret") && kinds.count("malware"));
}

TEST_F(RegistryScan, ScheduledCycleRunsInsideItsWindowAndQuotaExhaustionIsRecorded) {
    int64_t clock = kMonday + 10 * 3600;  // 10:00, outside the 02:00-06:00 window
    auto scans = service(full_database(), &clock);
    auto config = parse_scan_config_json(
        R"({"cycle": "3d", "window": {"start": "02:00", "end": "06:00"}, "quota": {"total": 2}})", ScanConfig{});
    ASSERT_TRUE(config.ok());
    ASSERT_TRUE(store_->set_scan_config(*config));

    EXPECT_EQ(*scans.run_schedule(clock), 0u);
    clock = kMonday + 24 * 3600 + 2 * 3600;  // Tuesday 02:00
    EXPECT_EQ(*scans.run_schedule(clock), 1u);
    EXPECT_EQ(scans.state(digest_), policy::ScanState::queued);
    scans.drain();
    clock += 3600;
    EXPECT_EQ(*scans.run_schedule(clock), 0u) << "the next cycle is three days later";
    clock = kMonday + 4 * 24 * 3600 + 2 * 3600;  // Friday 02:00
    EXPECT_EQ(*scans.run_schedule(clock), 1u);
    scans.drain();
    EXPECT_EQ(store_->scan_config()->quota.used, 2);

    // The quota is spent: the next scan is refused and says why.
    Status refused = scans.enqueue("team/app", digest_);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.message().find("quota"), std::string::npos);
    EXPECT_EQ(scans.state(digest_), policy::ScanState::failed);
    EXPECT_NE((*store_->get(digest_))->error.find("2 of 2"), std::string::npos);
    EXPECT_EQ(scans.counters().refused.load(), 1u);
}

}  // namespace
}  // namespace moat::testing
