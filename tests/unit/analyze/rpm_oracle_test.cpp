// Differential tests against the real rpm (4.18, sqlite and bdb_ro backends): the package
// lists and file lists moat reads must equal what `rpm -qa` prints for the same database.
// Besides the shared fixtures, Berkeley DBs are generated with the real libdb (db5.3_load) from
// the 129 headers of the SQLite fixture, in both byte orders and several page sizes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../support/dir_file_view.h"
#include "analyze/pkg/rpm/rpm_sqlite.h"
#include "analyze/pkg/rpm_analyzer.h"

namespace moat {
namespace {

namespace fs = std::filesystem;

// Columns compared per package: EPOCH shows "(none)" for a missing tag, EPOCHNUM shows 0.
constexpr const char* kQueryFormat =
    "%{NAME}\\t%{EPOCH}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t%{"
    "LICENSE}\\n";

class ScratchDir {
  public:
    ScratchDir() {
        std::string pattern = (fs::temp_directory_path() / "moat-rpm-oracle-XXXXXX").string();
        if (mkdtemp(pattern.data())) path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ignored;
        if (!path_.empty()) fs::remove_all(path_, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

// stdout of a shell command, or nullopt when it fails.
std::optional<std::string> run(const std::string& command) {
    FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
    if (!pipe) return std::nullopt;
    std::string output;
    char buffer[65536];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, got);
    if (pclose(pipe) != 0) return std::nullopt;
    return output;
}

bool tool_available(const std::string& tool) {
    return run("command -v " + tool).has_value();
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::vector<std::string> sorted_lines(const std::string& text, bool drop_public_keys) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && !(drop_public_keys && line.starts_with("gpg-pubkey\t")))
            lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
}

std::string or_none(const std::string& value) {
    return value.empty() ? "(none)" : value;
}

std::vector<std::string> package_rows(const std::vector<Package>& packages) {
    std::string text;
    for (const Package& p : packages) {
        const std::string source_rpm = p.source_name.empty()
                                           ? ""
                                           : fmt::format("{}-{}-{}.src.rpm", p.source_name,
                                                         p.source_version, p.source_release);
        text += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", p.name,
                            p.epoch ? std::to_string(*p.epoch) : "(none)", p.epoch.value_or(0),
                            p.version, p.release, or_none(p.arch), or_none(source_rpm),
                            or_none(p.licenses.empty() ? "" : p.licenses.front()));
    }
    return sorted_lines(text, false);
}

std::vector<std::string> file_rows(const std::vector<Package>& packages) {
    std::string text;
    for (const Package& p : packages)
        for (const std::string& file : p.installed_files) text += "/" + file + "\n";
    return sorted_lines(text, false);
}

// What rpm prints for the database in `dir` (a private copy: rpm may want to write).
std::optional<std::string> query_rpm(const fs::path& dir, const std::string& backend,
                                     const std::string& format) {
    return run(fmt::format("rpm --dbpath '{}' --define '_db_backend {}' -qa --qf '{}'",
                           dir.string(), backend, format));
}

struct OracleCase {
    std::string name;
    fs::path database;  // the fixture file
    RpmDbFormat format;
};

void PrintTo(const OracleCase& oracle_case, std::ostream* out) {
    *out << oracle_case.name;
}

std::vector<OracleCase> fixture_oracle_cases() {
    std::vector<OracleCase> cases;
    const fs::path root = testing::shared_dir() / "fixtures" / "rpm";
    if (!fs::is_directory(root)) return cases;
    for (const auto& entry : fs::directory_iterator(root)) {
        std::ifstream in(entry.path() / "expected.json");
        if (!in) continue;
        auto expected = nlohmann::json::parse(in);
        const std::string db_format = expected.value("db_format", "");
        if (db_format != "bdb" && db_format != "sqlite") continue;
        cases.push_back({entry.path().filename().string(),
                         entry.path() / "input" / expected["targets"][0].get<std::string>(),
                         db_format == "bdb" ? RpmDbFormat::kBerkeleyDb : RpmDbFormat::kSqlite});
    }
    std::sort(cases.begin(), cases.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return cases;
}

std::string backend_of(RpmDbFormat format) {
    return format == RpmDbFormat::kSqlite ? "sqlite" : "bdb_ro";
}

void expect_same_as_rpm(const fs::path& database, RpmDbFormat format, bool compare_files) {
    ScratchDir scratch;
    ASSERT_FALSE(scratch.path().empty());
    fs::copy_file(database, scratch.path() / database.filename());
    fs::permissions(scratch.path() / database.filename(),
                    fs::perms::owner_read | fs::perms::owner_write);

    std::vector<std::string> warnings;
    auto ours = read_rpm_database(read_file(database), format, &warnings);
    ASSERT_TRUE(ours.ok()) << ours.error().message;
    EXPECT_TRUE(warnings.empty()) << fmt::format("{}", fmt::join(warnings, "\n"));

    auto rpm_packages = query_rpm(scratch.path(), backend_of(format), kQueryFormat);
    ASSERT_TRUE(rpm_packages.has_value()) << "rpm failed on " << database;
    const auto expected_rows = sorted_lines(*rpm_packages, true);
    ASSERT_FALSE(expected_rows.empty());
    EXPECT_EQ(package_rows(*ours), expected_rows);

    if (compare_files) {
        auto rpm_files = query_rpm(scratch.path(), backend_of(format), "[%{FILENAMES}\\n]");
        ASSERT_TRUE(rpm_files.has_value());
        EXPECT_EQ(file_rows(*ours), sorted_lines(*rpm_files, false));
    }
}

class RpmOracleFixtureTest : public ::testing::TestWithParam<OracleCase> {};

TEST_P(RpmOracleFixtureTest, PackagesAndFilesMatchRpm) {
    if (!tool_available("rpm")) GTEST_SKIP() << "rpm is not installed";
    expect_same_as_rpm(GetParam().database, GetParam().format, true);
}

INSTANTIATE_TEST_SUITE_P(RpmOracle, RpmOracleFixtureTest,
                         ::testing::ValuesIn(fixture_oracle_cases()),
                         [](const ::testing::TestParamInfo<OracleCase>& info) {
                             std::string label = info.param.name;
                             std::replace(label.begin(), label.end(), '-', '_');
                             std::replace(label.begin(), label.end(), '.', '_');
                             return label;
                         });

TEST(RpmOracle, FixturesIncludeBothBackends) {
    EXPECT_GE(fixture_oracle_cases().size(), 4u);
}

// --- Berkeley DBs built by the real libdb from the SQLite fixture's headers ---------------

fs::path sqlite_fixture() {
    return testing::shared_dir() /
           "fixtures/rpm/go-rpmdb-cbl-mariner-2.0-sqlite/input/var/lib/rpm/rpmdb.sqlite";
}

std::string hex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char byte : bytes) {
        out.push_back(kDigits[byte >> 4]);
        out.push_back(kDigits[byte & 15]);
    }
    return out;
}

// A db_dump "bytevalue" file mapping each package number (4 bytes, little-endian as rpm on
// x86 writes it) to its header blob, plus rpm's record 0.
std::string dump_of_sqlite_fixture() {
    std::string dump = "VERSION=3\nformat=bytevalue\ntype=hash\nHEADER=END\n";
    std::vector<std::string> warnings;
    const std::string bytes = read_file(sqlite_fixture());
    uint32_t highest = 0;
    Status status = rpm::read_sqlite_blobs(
        bytes,
        [&](uint32_t record, std::string_view blob) {
            const char key[4] = {static_cast<char>(record), static_cast<char>(record >> 8),
                                 static_cast<char>(record >> 16), static_cast<char>(record >> 24)};
            dump += " " + hex(std::string_view(key, 4)) + "\n " + hex(blob) + "\n";
            highest = std::max(highest, record);
        },
        warnings);
    EXPECT_TRUE(status.ok()) << status.message();
    const uint32_t next = highest + 1;
    const char next_bytes[4] = {static_cast<char>(next), static_cast<char>(next >> 8),
                                static_cast<char>(next >> 16), static_cast<char>(next >> 24)};
    dump += " 00000000\n " + hex(std::string_view(next_bytes, 4)) + "\n";
    return dump + "DATA=END\n";
}

struct GeneratedDb {
    std::string label;
    std::string load_options;
};

void PrintTo(const GeneratedDb& db, std::ostream* out) {
    *out << db.label;
}

// Builds var/lib/rpm/Packages under `dir` with db5.3_load; false when that fails.
bool build_bdb(const fs::path& dir, const std::string& load_options) {
    const fs::path dump = dir / "packages.dump";
    std::ofstream(dump) << dump_of_sqlite_fixture();
    const bool built = run(fmt::format("db5.3_load {} -f '{}' '{}'", load_options, dump.string(),
                                       (dir / "Packages").string()))
                           .has_value();
    fs::remove(dump);
    return built;
}

class RpmOracleGeneratedBdbTest : public ::testing::TestWithParam<GeneratedDb> {};

TEST_P(RpmOracleGeneratedBdbTest, PackagesAndFilesMatchRpm) {
    if (!tool_available("rpm") || !tool_available("db5.3_load"))
        GTEST_SKIP() << "needs rpm and db5.3_load (Debian package db5.3-util)";
    ScratchDir scratch;
    ASSERT_TRUE(build_bdb(scratch.path(), GetParam().load_options));
    expect_same_as_rpm(scratch.path() / "Packages", RpmDbFormat::kBerkeleyDb, true);

    // And the same 129 packages as the SQLite database they came from.
    auto from_bdb =
        read_rpm_database(read_file(scratch.path() / "Packages"), RpmDbFormat::kBerkeleyDb);
    auto from_sqlite = read_rpm_database(read_file(sqlite_fixture()), RpmDbFormat::kSqlite);
    ASSERT_TRUE(from_bdb.ok() && from_sqlite.ok());
    EXPECT_EQ(from_bdb->size(), 129u);
    EXPECT_EQ(package_rows(*from_bdb), package_rows(*from_sqlite));
}

INSTANTIATE_TEST_SUITE_P(
    RpmOracle, RpmOracleGeneratedBdbTest,
    ::testing::Values(GeneratedDb{"little_endian_512", "-c db_lorder=1234 -c db_pagesize=512"},
                      GeneratedDb{"little_endian_4096", "-c db_lorder=1234 -c db_pagesize=4096"},
                      GeneratedDb{"big_endian_4096", "-c db_lorder=4321 -c db_pagesize=4096"},
                      GeneratedDb{"big_endian_16384", "-c db_lorder=4321 -c db_pagesize=16384"},
                      GeneratedDb{"little_endian_65536", "-c db_lorder=1234 -c db_pagesize=65536"}),
    [](const ::testing::TestParamInfo<GeneratedDb>& info) { return info.param.label; });

// rpm itself cannot open checksummed databases, so the SQLite source is the reference here.
TEST(RpmOracle, ChecksummedBerkeleyDbMatchesItsSource) {
    if (!tool_available("db5.3_load"))
        GTEST_SKIP() << "needs db5.3_load (Debian package db5.3-util)";
    ScratchDir scratch;
    ASSERT_TRUE(build_bdb(scratch.path(), "-c chksum=1"));
    std::vector<std::string> warnings;
    auto from_bdb = read_rpm_database(read_file(scratch.path() / "Packages"),
                                      RpmDbFormat::kBerkeleyDb, &warnings);
    auto from_sqlite = read_rpm_database(read_file(sqlite_fixture()), RpmDbFormat::kSqlite);
    ASSERT_TRUE(from_bdb.ok()) << from_bdb.error().message;
    ASSERT_TRUE(from_sqlite.ok());
    EXPECT_TRUE(warnings.empty()) << fmt::format("{}", fmt::join(warnings, "\n"));
    EXPECT_EQ(package_rows(*from_bdb), package_rows(*from_sqlite));
    EXPECT_EQ(file_rows(*from_bdb), file_rows(*from_sqlite));
}

}  // namespace
}  // namespace moat
