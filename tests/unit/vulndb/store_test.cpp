// The SQLite store: packed columns, writing and reading back, duplicates across folders, the
// CVE severity pass (after vendor and CVSS ratings), carry-over from an older file, and the
// errors of VulnDatabase::open.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "vulndb/store.h"

namespace moat {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("moat-store-test-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    static OsvRecord record(std::string id, std::vector<std::string> aliases, std::string ecosystem,
                            std::string package, std::string fixed) {
        OsvRecord out;
        out.advisory.id = id;
        out.advisory.aliases = std::move(aliases);
        out.advisory.summary = "summary of " + id;
        out.advisory.published = "2024-01-01T00:00:00Z";
        out.advisory.modified = "2024-02-01T00:00:00Z";
        AffectedPackage affected;
        affected.advisory_id = id;
        affected.ecosystem = std::move(ecosystem);
        affected.package = std::move(package);
        affected.ranges.push_back(AffectedRange{"ECOSYSTEM", {{RangeEvent::Kind::Introduced, "0"},
                                                              {RangeEvent::Kind::Fixed, std::move(fixed)}}});
        out.affected.push_back(std::move(affected));
        return out;
    }

    fs::path dir_;
};

TEST(PackedColumns, RangesRoundTripAnyText) {
    std::vector<AffectedRange> ranges = {
        {"ECOSYSTEM", {{RangeEvent::Kind::Introduced, "0"}, {RangeEvent::Kind::Fixed, "1:2.3-4+deb12u1"}}},
        {"SEMVER", {{RangeEvent::Kind::Introduced, "1.0"}, {RangeEvent::Kind::LastAffected, "1.9"},
                    {RangeEvent::Kind::Limit, "2.0"}}},
        {"GIT", {{RangeEvent::Kind::Introduced, "quote\" back\\slash \t tab \x01 ctl é ⁠"}}},
    };
    std::string packed = encode_ranges(ranges);
    EXPECT_TRUE(packed.starts_with(R"([["ECOSYSTEM","i","0","f","1:2.3-4+deb12u1"],["SEMVER","i","1.0","a","1.9","l","2.0"],)")) << packed;
    std::vector<AffectedRange> back;
    ASSERT_TRUE(decode_ranges(packed, back)) << packed;
    ASSERT_EQ(back.size(), 3u);
    for (size_t k = 0; k < ranges.size(); ++k) {
        EXPECT_EQ(back[k].type, ranges[k].type);
        ASSERT_EQ(back[k].events.size(), ranges[k].events.size());
        for (size_t e = 0; e < ranges[k].events.size(); ++e) {
            EXPECT_EQ(back[k].events[e].kind, ranges[k].events[e].kind);
            EXPECT_EQ(back[k].events[e].version, ranges[k].events[e].version);
        }
    }
    std::vector<AffectedRange> bad;
    EXPECT_FALSE(decode_ranges(R"([["ECOSYSTEM","x","1"]])", bad));
    EXPECT_FALSE(decode_ranges(R"([["ECOSYSTEM","i"]])", bad));
    EXPECT_FALSE(decode_ranges("not json", bad));

    std::vector<std::string> list = {"CVE-2024-0001", "a\"b", ""};
    std::vector<std::string> list_back;
    ASSERT_TRUE(decode_string_list(encode_string_list(list), list_back));
    EXPECT_EQ(list_back, list);
}

TEST(SeverityNames, ParseAndName) {
    EXPECT_EQ(parse_severity("moderate"), Severity::Medium);
    EXPECT_EQ(parse_severity("Critical"), Severity::Critical);
    EXPECT_EQ(parse_severity("HIGH"), Severity::High);
    EXPECT_EQ(parse_severity("low"), Severity::Low);
    EXPECT_EQ(parse_severity("unknown"), Severity::Unknown);
    EXPECT_FALSE(parse_severity("none"));
    EXPECT_FALSE(parse_severity("important"));
    EXPECT_EQ(severity_name(Severity::Medium), "MEDIUM");
    EXPECT_EQ(severity_name(Severity::Unknown), "UNKNOWN");
}

TEST(DefaultDbPath, FollowsXdgCacheHomeThenHome) {
    const char* saved_xdg = std::getenv("XDG_CACHE_HOME");
    const char* saved_home = std::getenv("HOME");
    std::string xdg = saved_xdg ? saved_xdg : "", home = saved_home ? saved_home : "";
    ::setenv("XDG_CACHE_HOME", "/var/cache/someone", 1);
    EXPECT_EQ(default_db_path(), fs::path("/var/cache/someone/moat/db"));
    ::setenv("XDG_CACHE_HOME", "relative/ignored", 1);  // the XDG spec wants absolute paths
    ::setenv("HOME", "/home/someone", 1);
    EXPECT_EQ(default_db_path(), fs::path("/home/someone/.cache/moat/db"));
    ::unsetenv("XDG_CACHE_HOME");
    EXPECT_EQ(default_db_path(), fs::path("/home/someone/.cache/moat/db"));
    if (saved_xdg) ::setenv("XDG_CACHE_HOME", xdg.c_str(), 1);
    if (saved_home) ::setenv("HOME", home.c_str(), 1); else ::unsetenv("HOME");
}

TEST_F(StoreTest, WritesAndReadsBack) {
    fs::path path = dir_ / "db";
    {
        auto writer = VulnDbWriter::create(path);
        ASSERT_TRUE(writer) << writer.error().message;
        auto openssl = record("DEBIAN-CVE-2024-0727", {"CVE-2024-0727"}, "Debian:12", "openssl", "3.0.13-1~deb12u1");
        openssl.affected[0].versions = {"3.0.11-1~deb12u2"};
        ASSERT_TRUE(*(*writer)->add_record(openssl, "Debian"));
        ASSERT_TRUE(*(*writer)->add_record(record("DEBIAN-CVE-2024-2511", {"CVE-2024-2511"}, "Debian:12", "openssl", "3.0.14-1~deb12u1"), "Debian"));
        ASSERT_TRUE(*(*writer)->add_record(record("DSA-5000-1", {}, "Debian:11", "openssl", "1.1.1n-0+deb11u1"), "Debian"));
        // The same record from a second folder is stored once.
        auto again = (*writer)->add_record(openssl, "Debian-copy");
        ASSERT_TRUE(again);
        EXPECT_FALSE(*again);
        DbSource source{"Debian", "osv", "/src/Debian/all.zip", "etag-1", "Mon, 01 Jan 2024 00:00:00 GMT",
                        "2024-01-02T00:00:00Z", 3, 0, 0};
        ASSERT_TRUE((*writer)->set_source(source));
        EXPECT_EQ((*writer)->advisory_count(), 3u);
        ASSERT_TRUE((*writer)->finish("2024-01-02T00:00:00Z"));
    }
    auto db = VulnDatabase::open(path);
    ASSERT_TRUE(db) << db.error().message;
    auto rows = (*db)->affected("Debian:12", "openssl");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].advisory_id, "DEBIAN-CVE-2024-0727");
    EXPECT_EQ(rows[0].ecosystem, "Debian:12");
    EXPECT_EQ(rows[0].package, "openssl");
    EXPECT_EQ(rows[0].versions, (std::vector<std::string>{"3.0.11-1~deb12u2"}));
    ASSERT_EQ(rows[0].ranges.size(), 1u);
    EXPECT_EQ(rows[0].ranges[0].events[1].version, "3.0.13-1~deb12u1");
    EXPECT_TRUE((*db)->affected("Debian:12", "OpenSSL").empty());  // exact names
    EXPECT_TRUE((*db)->affected("Debian:13", "openssl").empty());
    EXPECT_EQ((*db)->affected("Debian:11", "openssl").size(), 1u);

    auto advisory = (*db)->advisory("DEBIAN-CVE-2024-0727");
    ASSERT_TRUE(advisory);
    EXPECT_EQ(advisory->aliases, (std::vector<std::string>{"CVE-2024-0727"}));
    EXPECT_EQ(advisory->summary, "summary of DEBIAN-CVE-2024-0727");
    EXPECT_EQ(advisory->published, "2024-01-01T00:00:00Z");
    EXPECT_FALSE((*db)->advisory("NOPE"));

    DbStatus status = (*db)->status();
    EXPECT_EQ(status.schema_version, kVulnDbSchemaVersion);
    EXPECT_EQ(status.updated_at, "2024-01-02T00:00:00Z");
    EXPECT_EQ(status.advisories, 3u);
    ASSERT_EQ(status.ecosystems.size(), 2u);
    EXPECT_EQ(status.ecosystems[0].ecosystem, "Debian:11");
    EXPECT_EQ(status.ecosystems[1].advisories, 2u);
    ASSERT_EQ(status.source_details.size(), 1u);
    EXPECT_EQ(status.source_details[0].etag, "etag-1");
    EXPECT_EQ(status.sources[0], "Debian /src/Debian/all.zip");
}

TEST_F(StoreTest, CveSeverityFillsOnlyAdvisoriesWithoutTheirOwn) {
    fs::path path = dir_ / "db";
    {
        auto writer = VulnDbWriter::create(path);
        ASSERT_TRUE(writer);
        auto vendor = record("ALSA-2024:1", {"CVE-2024-0001"}, "AlmaLinux:9", "openssl", "1");
        vendor.advisory.severity = Severity::Low;
        vendor.advisory.severity_source = "almalinux";
        auto cvss = record("GHSA-x", {"CVE-2024-0001"}, "npm", "x", "1");
        cvss.advisory.severity = Severity::Medium;
        cvss.advisory.severity_source = "cvss";
        ASSERT_TRUE((*writer)->add_record(vendor, "AlmaLinux"));
        ASSERT_TRUE((*writer)->add_record(cvss, "npm"));
        // Two CVEs: the worse rating wins. The id itself counts when it is a CVE id.
        ASSERT_TRUE((*writer)->add_record(record("DEBIAN-CVE-2024-0001", {"CVE-2024-0001", "CVE-2024-0002"}, "Debian:12", "a", "1"), "Debian"));
        ASSERT_TRUE((*writer)->add_record(record("CVE-2024-0002", {}, "Ubuntu:22.04:LTS", "a", "1"), "Ubuntu"));
        ASSERT_TRUE((*writer)->add_record(record("ALPINE-CVE-2024-0003", {"CVE-2024-0003"}, "Alpine:v3.11", "a", "1"), "Alpine"));
        ASSERT_TRUE((*writer)->add_cve_severity(CveSeverity{"CVE-2024-0001", Severity::Medium, 5.0, "CVSS:3.1/x", "cna"}, "severity/a.zip"));
        ASSERT_TRUE((*writer)->add_cve_severity(CveSeverity{"CVE-2024-0002", Severity::Critical, 9.8, "CVSS:3.1/y", "CISA-ADP"}, "severity/a.zip"));
        auto rated = (*writer)->apply_cve_severity();
        ASSERT_TRUE(rated);
        EXPECT_EQ(*rated, 2u);
        ASSERT_TRUE((*writer)->finish("2024-01-02T00:00:00Z"));
    }
    auto db = VulnDatabase::open(path);
    ASSERT_TRUE(db);
    EXPECT_EQ((*db)->advisory("ALSA-2024:1")->severity, Severity::Low);  // vendor first
    EXPECT_EQ((*db)->advisory("ALSA-2024:1")->severity_source, "almalinux");
    EXPECT_EQ((*db)->advisory("GHSA-x")->severity_source, "cvss");      // then the record's CVSS
    auto debian = (*db)->advisory("DEBIAN-CVE-2024-0001");
    EXPECT_EQ(debian->severity, Severity::Critical);                   // then the CVE data
    EXPECT_EQ(debian->severity_source, "cve");
    EXPECT_EQ(debian->cvss_score, 9.8);
    EXPECT_EQ(debian->cvss_vector, "CVSS:3.1/y");
    EXPECT_EQ((*db)->advisory("CVE-2024-0002")->severity, Severity::Critical);
    EXPECT_EQ((*db)->advisory("ALPINE-CVE-2024-0003")->severity, Severity::Unknown);  // else unknown
    EXPECT_EQ((*db)->advisory("ALPINE-CVE-2024-0003")->severity_source, "");
}

TEST_F(StoreTest, CarryOverCopiesOneSourceFromAnOlderFile) {
    fs::path old_path = dir_ / "old";
    {
        auto writer = VulnDbWriter::create(old_path);
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->add_record(record("DSA-1", {"CVE-2020-0001"}, "Debian:11", "a", "1"), "Debian"));
        ASSERT_TRUE((*writer)->add_record(record("DSA-2", {"CVE-2020-0002"}, "Debian:11", "b", "1"), "Debian"));
        ASSERT_TRUE((*writer)->add_record(record("GHSA-1", {"CVE-2020-0003"}, "npm", "c", "1"), "npm"));
        ASSERT_TRUE((*writer)->add_cve_severity(CveSeverity{"CVE-2020-0001", Severity::High, 7.5, "v", "cna"}, "severity/s.zip"));
        ASSERT_TRUE((*writer)->apply_cve_severity());
        ASSERT_TRUE((*writer)->finish("2024-01-01T00:00:00Z"));
    }
    fs::path new_path = dir_ / "new";
    {
        auto writer = VulnDbWriter::create(new_path, old_path);
        ASSERT_TRUE(writer) << writer.error().message;
        // npm changed: re-imported with a new record; Debian and the severity data carried.
        ASSERT_TRUE((*writer)->add_record(record("GHSA-2", {}, "npm", "d", "2"), "npm"));
        auto copied = (*writer)->carry_over(DbSource{"Debian", "osv", "", "", "", "", 2, 0, 0});
        ASSERT_TRUE(copied) << copied.error().message;
        EXPECT_EQ(*copied, 2u);
        auto ratings = (*writer)->carry_over(DbSource{"severity/s.zip", "cve", "", "", "", "", 1, 0, 0});
        ASSERT_TRUE(ratings) << ratings.error().message;
        EXPECT_EQ(*ratings, 1u);
        ASSERT_TRUE((*writer)->apply_cve_severity());
        EXPECT_EQ((*writer)->advisory_count(), 3u);
        ASSERT_TRUE((*writer)->finish("2024-01-02T00:00:00Z"));
    }
    auto db = VulnDatabase::open(new_path);
    ASSERT_TRUE(db);
    EXPECT_EQ((*db)->status().advisories, 3u);
    EXPECT_EQ((*db)->affected("Debian:11", "a").size(), 1u);
    EXPECT_EQ((*db)->advisory("DSA-1")->severity_source, "cve");
    EXPECT_EQ((*db)->affected("npm", "d").size(), 1u);
    EXPECT_TRUE((*db)->affected("npm", "c").empty());  // gone from the changed source
    EXPECT_FALSE((*db)->advisory("GHSA-1"));
}

TEST_F(StoreTest, OpenNamesThePathAndTheProblem) {
    auto missing = VulnDatabase::open(dir_ / "nothing");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find((dir_ / "nothing").string()), std::string::npos);
    EXPECT_NE(missing.error().message.find("moat db update"), std::string::npos);

    std::ofstream(dir_ / "garbage") << std::string(8192, 'x');
    auto garbage = VulnDatabase::open(dir_ / "garbage");
    ASSERT_FALSE(garbage);
    EXPECT_NE(garbage.error().message.find("garbage"), std::string::npos) << garbage.error().message;

    // A SQLite file of another schema version.
    fs::path other = dir_ / "other";
    {
        auto writer = VulnDbWriter::create(other);
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->finish("2024-01-01T00:00:00Z"));
    }
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(other.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "UPDATE meta SET value='99' WHERE key='schema_version'", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
    auto wrong = VulnDatabase::open(other);
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message.find("schema 99"), std::string::npos) << wrong.error().message;

    // Another program's SQLite file.
    ASSERT_EQ(sqlite3_open((dir_ / "foreign").c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
    auto foreign = VulnDatabase::open(dir_ / "foreign");
    ASSERT_FALSE(foreign);
    EXPECT_NE(foreign.error().message.find("not a moat vulnerability database"), std::string::npos);

    // The writer refuses to overwrite.
    EXPECT_FALSE(VulnDbWriter::create(dir_ / "garbage"));
}

TEST_F(StoreTest, ReaderIsReadOnly) {
    fs::path path = dir_ / "db";
    {
        auto writer = VulnDbWriter::create(path);
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->finish("2024-01-01T00:00:00Z"));
    }
    fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    auto db = VulnDatabase::open(path);
    ASSERT_TRUE(db) << db.error().message;  // opens a file it may not write
    EXPECT_EQ((*db)->status().advisories, 0u);
    EXPECT_FALSE(fs::exists(dir_ / "db-journal"));
}

// A process killed in the middle of an in-place write (the updater's touch of updated_at)
// leaves a hot journal; readers open read-only and must still get the committed data.
TEST_F(StoreTest, AHotJournalFromAKilledWriterIsRolledBack) {
    fs::path path = dir_ / "db";
    {
        auto writer = VulnDbWriter::create(path);
        ASSERT_TRUE(writer);
        for (int k = 0; k < 2000; ++k)
            ASSERT_TRUE((*writer)->add_record(record("DSA-" + std::to_string(k), {}, "Debian:11", "p" + std::to_string(k), "1"), "Debian"));
        ASSERT_TRUE((*writer)->finish("2024-01-01T00:00:00Z"));
    }
    pid_t child = ::fork();
    if (child == 0) {
        sqlite3* raw = nullptr;
        sqlite3_open(path.c_str(), &raw);
        // A tiny cache makes SQLite write changed pages into the file before the commit.
        sqlite3_exec(raw, "PRAGMA cache_size=2; BEGIN; UPDATE advisories SET summary = 'overwritten'; "
                          "UPDATE meta SET value='2099-01-01T00:00:00Z' WHERE key='updated_at';",
                     nullptr, nullptr, nullptr);
        ::kill(::getpid(), SIGKILL);
    }
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wait_status));
    ASSERT_TRUE(fs::exists(dir_ / "db-journal")) << "no hot journal: the scenario did not happen";

    auto db = VulnDatabase::open(path);
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ((*db)->status().updated_at, "2024-01-01T00:00:00Z");
    EXPECT_EQ((*db)->status().advisories, 2000u);
    EXPECT_EQ((*db)->advisory("DSA-7")->summary, "summary of DSA-7");
}

}  // namespace
}  // namespace moat
