// update_database from a local directory laid out as the OSV export: import, unchanged
// sources (touch only), a changed source (re-import plus carry-over), failures that must leave
// the previous database in place, and the db update/status commands.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "vulndb/db_commands.h"
#include "vulndb/store.h"
#include "vulndb/updater.h"

namespace moat {
namespace {

namespace fs = std::filesystem;
using Entries = std::vector<std::pair<std::string, std::string>>;

void write_zip(const fs::path& path, const Entries& entries) {
    fs::create_directories(path.parent_path());
    archive* zip = archive_write_new();
    archive_write_set_format_zip(zip);
    ASSERT_EQ(archive_write_open_filename(zip, path.c_str()), ARCHIVE_OK);
    for (const auto& [name, body] : entries) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, name.c_str());
        archive_entry_set_size(entry, static_cast<la_int64_t>(body.size()));
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        ASSERT_EQ(archive_write_header(zip, entry), ARCHIVE_OK);
        ASSERT_EQ(archive_write_data(zip, body.data(), body.size()), static_cast<la_ssize_t>(body.size()));
        archive_entry_free(entry);
    }
    archive_write_close(zip);
    archive_write_free(zip);
}

std::string osv(const std::string& id, const std::string& ecosystem, const std::string& package,
                const std::string& fixed, const std::string& extra = "") {
    return R"({"id":")" + id + R"(",)" + extra + R"("affected":[{"package":{"ecosystem":")" + ecosystem +
           R"(","name":")" + package + R"("},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":")" +
           fixed + R"("}]}]}]})";
}

std::string cve_record(const std::string& id, const std::string& severity, double score) {
    return R"({"cveMetadata":{"cveId":")" + id + R"("},"containers":{"cna":{"metrics":[{"cvssV3_1":{"baseSeverity":")" +
           severity + R"(","baseScore":)" + std::to_string(score) + "}}]}}}";
}

// Waits past the filesystem's timestamp granularity, so a rewrite is a visible change.
void rewrite_later(const fs::path& path, const Entries& entries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    fs::remove(path);
    write_zip(path, entries);
}

class UpdaterTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() /
                ("moat-updater-test-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        source_ = root_ / "source";
        fs::create_directories(source_);
        std::ofstream(source_ / "ecosystems.txt") << "Debian\nnpm\n";
        write_zip(source_ / "Debian/all.zip",
                  {{"DEBIAN-CVE-2024-0727.json", osv("DEBIAN-CVE-2024-0727", "Debian:12", "openssl", "3.0.13-1~deb12u1",
                                                     R"("aliases":["CVE-2024-0727"],)")},
                   {"DSA-5000-1.json", osv("DSA-5000-1", "Debian:11", "openssl", "1.1.1n-0+deb11u1",
                                           R"("upstream":["CVE-2022-0778"],)")}});
        write_zip(source_ / "npm/all.zip",
                  {{"GHSA-p6mc-m468-83gw.json", osv("GHSA-p6mc-m468-83gw", "npm", "lodash", "4.17.19",
                                                    R"("database_specific":{"severity":"HIGH"},)")},
                   {"README.txt", "not an advisory"}});
        write_zip(source_ / "severity/cves.zip",
                  {{"2024/0xxx/CVE-2024-0727.json", cve_record("CVE-2024-0727", "MEDIUM", 5.5)}});
        db_ = root_ / "cache/db";
    }
    void TearDown() override { fs::remove_all(root_); }

    Result<UpdateStats> update() {
        UpdateOptions options;
        options.source = source_.string();
        options.db_path = db_;
        options.progress = false;
        return update_database(options);
    }

    const SourceStats* find(const UpdateStats& stats, const std::string& name) {
        for (const auto& source : stats.sources)
            if (source.name == name) return &source;
        return nullptr;
    }

    fs::path root_, source_, db_;
};

TEST_F(UpdaterTest, ImportsADirectorySource) {
    auto stats = update();
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_FALSE(stats->unchanged);
    EXPECT_EQ(stats->advisories, 3u);
    ASSERT_EQ(stats->sources.size(), 3u);
    EXPECT_EQ(find(*stats, "Debian")->records, 2u);
    EXPECT_EQ(find(*stats, "npm")->records, 1u);
    EXPECT_EQ(find(*stats, "npm")->counts.skipped_records, 1u);  // README.txt
    EXPECT_EQ(find(*stats, "severity/cves.zip")->records, 1u);
    EXPECT_EQ(stats->cve_rated, 1u);

    auto db = VulnDatabase::open(db_);
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ((*db)->affected("Debian:12", "openssl").size(), 1u);
    EXPECT_EQ((*db)->advisory("DEBIAN-CVE-2024-0727")->severity_source, "cve");
    EXPECT_EQ((*db)->advisory("DEBIAN-CVE-2024-0727")->severity, Severity::Medium);
    EXPECT_EQ((*db)->advisory("GHSA-p6mc-m468-83gw")->severity_source, "ghsa");
    EXPECT_EQ((*db)->advisory("DSA-5000-1")->aliases, (std::vector<std::string>{"CVE-2022-0778"}));
    // Nothing else is left beside the database but its lock file.
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(db_.parent_path())) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"db", "db.lock"}));
}

TEST_F(UpdaterTest, UnchangedSourcesKeepTheFileAndTouchUpdatedAt) {
    ASSERT_TRUE(update());
    auto inode_before = fs::status(db_).type();
    struct stat before {};
    ASSERT_EQ(::stat(db_.c_str(), &before), 0);
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(db_.c_str(), &raw), SQLITE_OK);
        sqlite3_exec(raw, "UPDATE meta SET value='2000-01-01T00:00:00Z' WHERE key='updated_at'", nullptr, nullptr, nullptr);
        sqlite3_close(raw);
    }
    auto stats = update();
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_TRUE(stats->unchanged);
    EXPECT_EQ(stats->advisories, 3u);
    struct stat after {};
    ASSERT_EQ(::stat(db_.c_str(), &after), 0);
    EXPECT_EQ(before.st_ino, after.st_ino);  // the same file, not a rebuilt one
    (void)inode_before;
    auto db = VulnDatabase::open(db_);
    ASSERT_TRUE(db);
    EXPECT_NE((*db)->status().updated_at, "2000-01-01T00:00:00Z");
}

TEST_F(UpdaterTest, AChangedSourceIsReimportedTheOthersCarriedOver) {
    ASSERT_TRUE(update());
    rewrite_later(source_ / "npm/all.zip",
                  {{"GHSA-35jh-r3h4-6jhm.json", osv("GHSA-35jh-r3h4-6jhm", "npm", "lodash", "4.17.21")}});
    auto stats = update();
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_FALSE(stats->unchanged);
    EXPECT_TRUE(find(*stats, "npm")->changed);
    EXPECT_FALSE(find(*stats, "Debian")->changed);
    EXPECT_FALSE(find(*stats, "severity/cves.zip")->changed);
    EXPECT_EQ(find(*stats, "Debian")->records, 2u);
    auto db = VulnDatabase::open(db_);
    ASSERT_TRUE(db);
    EXPECT_EQ((*db)->status().advisories, 3u);
    EXPECT_TRUE((*db)->advisory("GHSA-35jh-r3h4-6jhm"));
    EXPECT_FALSE((*db)->advisory("GHSA-p6mc-m468-83gw"));  // gone upstream, gone here
    EXPECT_EQ((*db)->affected("Debian:12", "openssl").size(), 1u);
    EXPECT_EQ((*db)->advisory("DEBIAN-CVE-2024-0727")->severity_source, "cve");  // carried ratings apply

    // New severity data re-rates the carried Debian advisory.
    rewrite_later(source_ / "severity/cves.zip",
                  {{"CVE-2024-0727.json", cve_record("CVE-2024-0727", "CRITICAL", 9.1)}});
    ASSERT_TRUE(update());
    db = VulnDatabase::open(db_);
    ASSERT_TRUE(db);
    EXPECT_EQ((*db)->advisory("DEBIAN-CVE-2024-0727")->severity, Severity::Critical);
    // And severity data that disappears leaves it unknown, not stale.
    fs::remove_all(source_ / "severity");
    auto without = update();
    ASSERT_TRUE(without) << without.error().message;
    ASSERT_EQ(without->notes.size(), 1u);
    EXPECT_NE(without->notes[0].find("no CVE severity data"), std::string::npos);
    db = VulnDatabase::open(db_);
    EXPECT_EQ((*db)->advisory("DEBIAN-CVE-2024-0727")->severity, Severity::Unknown);
    EXPECT_EQ((*db)->advisory("DEBIAN-CVE-2024-0727")->severity_source, "");
}

TEST_F(UpdaterTest, ACorruptZipFailsTheUpdateAndKeepsTheOldDatabase) {
    ASSERT_TRUE(update());
    rewrite_later(source_ / "npm/all.zip", {});
    std::ofstream(source_ / "npm/all.zip", std::ios::trunc) << "PK\x03\x04 truncated garbage";
    auto stats = update();
    ASSERT_FALSE(stats);
    const std::string& message = stats.error().message;
    EXPECT_NE(message.find("ecosystem npm"), std::string::npos) << message;
    EXPECT_NE(message.find("left as it was"), std::string::npos) << message;
    auto db = VulnDatabase::open(db_);
    ASSERT_TRUE(db);
    EXPECT_EQ((*db)->status().advisories, 3u);
    EXPECT_TRUE((*db)->advisory("GHSA-p6mc-m468-83gw"));
    for (const auto& entry : fs::directory_iterator(db_.parent_path()))
        EXPECT_TRUE(entry.path().filename() == "db" || entry.path().filename() == "db.lock") << entry.path();
}

TEST_F(UpdaterTest, ARecordThatIsNotJsonFailsItsEcosystem) {
    ASSERT_TRUE(update());
    rewrite_later(source_ / "Debian/all.zip",
                  {{"DSA-1.json", osv("DSA-1", "Debian:11", "a", "1")}, {"DSA-2.json", R"({"id":"DSA-2", "affec)"}});
    auto stats = update();
    ASSERT_FALSE(stats);
    EXPECT_NE(stats.error().message.find("ecosystem Debian"), std::string::npos) << stats.error().message;
    EXPECT_NE(stats.error().message.find("DSA-2.json"), std::string::npos) << stats.error().message;
    EXPECT_EQ((*VulnDatabase::open(db_))->status().advisories, 3u);
}

TEST_F(UpdaterTest, AListedEcosystemWithoutItsZipFails) {
    std::ofstream(source_ / "ecosystems.txt") << "Debian\nnpm\nPyPI\n";
    auto stats = update();
    ASSERT_FALSE(stats);
    EXPECT_NE(stats.error().message.find("ecosystem PyPI"), std::string::npos) << stats.error().message;
    EXPECT_NE(stats.error().message.find("no database was written"), std::string::npos) << stats.error().message;
    EXPECT_FALSE(fs::exists(db_));
}

TEST_F(UpdaterTest, WithoutEcosystemsTxtTheFoldersAreTheList) {
    fs::remove(source_ / "ecosystems.txt");
    auto stats = update();
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->advisories, 3u);
    fs::remove_all(source_ / "Debian");
    fs::remove_all(source_ / "npm");
    auto empty = update();
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("lists no ecosystems"), std::string::npos);
    EXPECT_EQ((*VulnDatabase::open(db_))->status().advisories, 3u);
}

TEST_F(UpdaterTest, LeftoversOfAKilledUpdateAreRemoved) {
    fs::create_directories(db_.parent_path());
    std::ofstream(db_.string() + ".tmp-999999") << "half a database";
    fs::create_directories(db_.string() + ".download-999999");
    std::ofstream(db_.parent_path() / "unrelated") << "keep me";
    ASSERT_TRUE(update());
    EXPECT_FALSE(fs::exists(db_.string() + ".tmp-999999"));
    EXPECT_FALSE(fs::exists(db_.string() + ".download-999999"));
    EXPECT_TRUE(fs::exists(db_.parent_path() / "unrelated"));
}

TEST_F(UpdaterTest, AnExplicitSeveritySourceMustExist) {
    UpdateOptions options;
    options.source = source_.string();
    options.db_path = db_;
    options.progress = false;
    options.severity_source = (root_ / "nowhere").string();
    auto stats = update_database(options);
    ASSERT_FALSE(stats);
    EXPECT_NE(stats.error().message.find("severity source"), std::string::npos);
    options.severity_source = (source_ / "severity/cves.zip").string();  // a single zip works
    auto with_zip = update_database(options);
    ASSERT_TRUE(with_zip) << with_zip.error().message;
    EXPECT_EQ(with_zip->cve_rated, 1u);
}

TEST_F(UpdaterTest, ABadSourceIsAnInputError) {
    UpdateOptions options;
    options.source = (root_ / "missing").string();
    options.db_path = db_;
    options.progress = false;
    auto stats = update_database(options);
    ASSERT_FALSE(stats);
    EXPECT_NE(stats.error().message.find("missing"), std::string::npos);
}

// --- the offline sample (data/vulndb-sample) -------------------------------------------------

fs::path sample_dir() { return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path() / "data/vulndb-sample"; }

TEST_F(UpdaterTest, TheOfflineSampleImportsWithItsSeverityData) {
    ASSERT_TRUE(fs::exists(sample_dir() / "ecosystems.txt")) << sample_dir();
    UpdateOptions options;
    options.source = sample_dir().string();
    options.db_path = db_;
    options.progress = false;
    auto stats = update_database(options);
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_GE(stats->advisories, 300u);
    EXPECT_LT(stats->advisories, 1000u);
    EXPECT_GT(stats->cve_records, 0u);
    EXPECT_TRUE(stats->notes.empty());
    auto db = VulnDatabase::open(db_);
    ASSERT_TRUE(db);
    // Real findings for the Debian 12 test image and its npm packages.
    for (const char* package : {"openssl", "curl", "libxml2", "glibc", "systemd", "tar", "gnutls28", "perl", "expat"})
        EXPECT_FALSE((*db)->affected("Debian:12", package).empty()) << package;
    for (const char* package : {"lodash", "minimist", "axios", "jsonwebtoken", "follow-redirects"})
        EXPECT_FALSE((*db)->affected("npm", package).empty()) << package;
    EXPECT_TRUE((*db)->advisory("GHSA-27h2-hvpr-p74q")->withdrawn);
    EXPECT_FALSE((*db)->status().ecosystems.empty());
    bool alpine = false, alma = false;
    for (const auto& count : (*db)->status().ecosystems) {
        alpine |= count.ecosystem.starts_with("Alpine:");
        alma |= count.ecosystem.starts_with("AlmaLinux:");
    }
    EXPECT_TRUE(alpine && alma);
}

// Every record of the sample is a byte-for-byte copy of a record of ../shared/vulndb.
TEST(OfflineSample, RecordsAreCopiesOfTheSharedCorpus) {
    fs::path shared = fs::path(MOAT_SHARED_DIR) / "vulndb";
    if (!fs::exists(shared / "ecosystems.txt")) GTEST_SKIP() << "no ../shared/vulndb";
    uint64_t checked = 0;
    auto entries_of = [](const fs::path& zip) {
        std::map<std::string, std::string> entries;
        Status walked = for_each_zip_entry(zip, [&](std::string_view name, std::string_view body) {
            entries.emplace(name, body);
            return Status::Ok();
        });
        EXPECT_TRUE(walked) << walked.message();
        return entries;
    };
    std::vector<std::pair<fs::path, fs::path>> pairs;
    for (const auto& folder : fs::directory_iterator(sample_dir()))
        if (fs::exists(folder.path() / "all.zip"))
            pairs.emplace_back(folder.path() / "all.zip", shared / folder.path().filename() / "all.zip");
    pairs.emplace_back(sample_dir() / "severity/vulnrichment-sample.zip", shared / "severity/vulnrichment-subset.zip");
    for (const auto& [sample, original] : pairs) {
        auto originals = entries_of(original);
        for (const auto& [name, body] : entries_of(sample)) {
            auto found = originals.find(name);
            ASSERT_NE(found, originals.end()) << sample << ": " << name;
            EXPECT_EQ(found->second, body) << sample << ": " << name;
            ++checked;
        }
    }
    EXPECT_GT(checked, 300u);
    uint64_t bytes = 0;
    for (const auto& file : fs::recursive_directory_iterator(sample_dir()))
        if (file.is_regular_file()) bytes += file.file_size();
    EXPECT_LT(bytes, 2u << 20);
}

// --- the commands ---------------------------------------------------------------------------

std::string read_stream(std::FILE* stream) {
    std::rewind(stream);
    std::string text;
    char buffer[4096];
    size_t got;
    while ((got = std::fread(buffer, 1, sizeof buffer, stream)) > 0) text.append(buffer, got);
    return text;
}

TEST_F(UpdaterTest, DbUpdateAndStatusCommands) {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    DbUpdateArgs update_args;
    update_args.source = source_.string();
    update_args.db = db_.string();
    update_args.quiet = true;
    ASSERT_EQ(run_db_update(update_args, out, err), 0) << read_stream(err);
    EXPECT_EQ(read_stream(out), "");  // --quiet

    DbStatusArgs status_args;
    status_args.db = db_.string();
    status_args.format = "json";
    std::FILE* json_out = std::tmpfile();
    std::FILE* json_err = std::tmpfile();
    ASSERT_EQ(run_db_status(status_args, json_out, json_err), 0);
    auto document = nlohmann::json::parse(read_stream(json_out));
    EXPECT_EQ(document["schema"], kVulnDbSchemaVersion);
    EXPECT_EQ(document["advisories"], 3);
    EXPECT_EQ(document["stale"], false);
    EXPECT_EQ(document["sources"].size(), 3u);
    EXPECT_EQ(document["ecosystems"][0]["ecosystem"], "Debian:11");
    EXPECT_EQ(read_stream(json_err), "");

    // Eight days old: a warning, still exit 0.
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(db_.c_str(), &raw), SQLITE_OK);
        std::time_t old = std::time(nullptr) - 8 * 86400;
        std::tm parts{};
        ::gmtime_r(&old, &parts);
        char text[32];
        std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
        std::string sql = std::string("UPDATE meta SET value='") + text + "' WHERE key='updated_at'";
        sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr);
        sqlite3_close(raw);
    }
    status_args.format = "table";
    std::FILE* table_out = std::tmpfile();
    std::FILE* table_err = std::tmpfile();
    ASSERT_EQ(run_db_status(status_args, table_out, table_err), 0);
    std::string table = read_stream(table_out);
    EXPECT_NE(table.find("Debian:12"), std::string::npos) << table;
    EXPECT_NE(table.find("8 days ago"), std::string::npos) << table;
    EXPECT_NE(read_stream(table_err).find("warning: the vulnerability database is 8 days old"), std::string::npos);

    // Errors: a missing database (1), a bad format (2), a bad source (1, naming it).
    status_args.db = (root_ / "none").string();
    std::FILE* missing_err = std::tmpfile();
    EXPECT_EQ(run_db_status(status_args, out, missing_err), 1);
    EXPECT_NE(read_stream(missing_err).find((root_ / "none").string()), std::string::npos);
    status_args.format = "xml";
    EXPECT_EQ(run_db_status(status_args, out, err), 2);
    update_args.source = "/nonexistent/mirror";
    std::FILE* source_err = std::tmpfile();
    EXPECT_EQ(run_db_update(update_args, out, source_err), 1);
    std::string message = read_stream(source_err);
    EXPECT_NE(message.find("/nonexistent/mirror"), std::string::npos) << message;
    EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 1) << message;
    for (std::FILE* stream : {out, err, json_out, json_err, table_out, table_err, missing_err, source_err})
        std::fclose(stream);
}

}  // namespace
}  // namespace moat
