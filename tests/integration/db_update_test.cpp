// `moat db update` against ../shared/vulndb served by a real HTTP server on loopback
// (python3 -m http.server on a port the kernel picks): counts per ecosystem against the zips,
// conditional requests on the second run (304s in the server's log), an update killed with
// SIGKILL mid-import (the previous database still answers), and a corrupt all.zip (the update
// fails naming the ecosystem, the old database is untouched).
//
// The library tests call update_database() in-process; MoatCliDbUpdateAndStatus runs the real
// binary (and skips itself on a build whose CLI has no `moat db`).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/run_command.h"
#include "vulndb/store.h"
#include "vulndb/updater.h"

namespace moat::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path corpus() { return fs::path(MOAT_SHARED_DIR) / "vulndb"; }

// python3's http.server serving one directory on 127.0.0.1, port chosen by the kernel (read
// from the server's first line); its request log goes to a file.
class LoopbackHttpServer {
public:
    LoopbackHttpServer(const fs::path& root, const fs::path& log) : log_(log) {
        int out[2];
        if (::pipe(out) != 0) return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(out[1], STDOUT_FILENO);
            int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (log_fd >= 0) ::dup2(log_fd, STDERR_FILENO);
            ::close(out[0]);
            ::execlp("python3", "python3", "-u", "-m", "http.server", "--bind", "127.0.0.1",
                     "--directory", root.c_str(), "0", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(out[1]);
        // "Serving HTTP on 127.0.0.1 port 41235 (http://127.0.0.1:41235/) ..."
        std::string banner;
        auto deadline = Clock::now() + std::chrono::seconds(30);
        while (Clock::now() < deadline && banner.find(") ...\n") == std::string::npos) {
            pollfd ready{out[0], POLLIN, 0};
            if (::poll(&ready, 1, 200) <= 0) continue;
            char buffer[256];
            ssize_t got = ::read(out[0], buffer, sizeof buffer);
            if (got <= 0) break;
            banner.append(buffer, static_cast<size_t>(got));
        }
        // Kept open: the server must never write into a closed pipe.
        banner_fd_ = out[0];
        if (size_t at = banner.find(" port "); at != std::string::npos)
            port_ = std::atoi(banner.c_str() + at + 6);
    }
    ~LoopbackHttpServer() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
        if (banner_fd_ >= 0) ::close(banner_fd_);
    }
    bool running() const { return port_ > 0; }
    std::string log_text() const {
        std::ifstream in(log_);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
    // The request lines logged so far: "GET /npm/all.zip HTTP/1.1" 200 → {"/npm/all.zip", 200}.
    std::vector<std::pair<std::string, int>> requests() const {
        std::ifstream in(log_);
        std::vector<std::pair<std::string, int>> out;
        std::string line;
        while (std::getline(in, line)) {
            size_t start = line.find("\"GET ");
            size_t end = line.find(" HTTP/1.", start);
            if (start == std::string::npos || end == std::string::npos || end + 15 > line.size()) continue;
            out.emplace_back(line.substr(start + 5, end - start - 5), std::atoi(line.c_str() + end + 11));
        }
        return out;
    }

private:
    fs::path log_;
    pid_t pid_ = -1;
    int port_ = 0;
    int banner_fd_ = -1;
};

// Entry counts of every <Ecosystem>/all.zip, read by Python's zipfile (not by moat's reader).
std::map<std::string, uint64_t> zip_entry_counts(const fs::path& root) {
    auto listed = run_command({"python3", "-c",
                               "import sys, zipfile, pathlib\n"
                               "for zip in sorted(pathlib.Path(sys.argv[1]).glob('*/all.zip')):\n"
                               "    print(zip.parent.name, len(zipfile.ZipFile(zip).namelist()))\n",
                               root.string()});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    std::map<std::string, uint64_t> counts;
    std::istringstream lines(listed.out);
    std::string name;
    uint64_t count;
    while (lines >> name >> count) counts[name] = count;
    return counts;
}

class DbUpdateOverHttp : public ::testing::Test {
protected:
    void SetUp() override {
        if (!fs::exists(corpus() / "ecosystems.txt")) GTEST_SKIP() << "no ../shared/vulndb";
        work_ = fs::temp_directory_path() /
                ("moat-db-http-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(work_);
        fs::create_directories(work_);
    }
    void TearDown() override {
        if (!work_.empty()) fs::remove_all(work_);
    }

    static UpdateOptions options_for(const std::string& source, const fs::path& db) {
        UpdateOptions options;
        options.source = source;
        options.db_path = db;
        options.progress = false;
        options.retry_backoff_seconds = 0.05;
        return options;
    }

    // A served folder holding some ecosystems of the corpus (copies, so they can be changed).
    fs::path served_copy(const std::vector<std::string>& ecosystems) {
        fs::path root = work_ / "served";
        fs::create_directories(root);
        std::ofstream list(root / "ecosystems.txt");
        for (const auto& name : ecosystems) {
            fs::create_directories(root / name);
            fs::copy_file(corpus() / name / "all.zip", root / name / "all.zip");
            list << name << "\n";
        }
        return root;
    }

    fs::path work_;
};

TEST_F(DbUpdateOverHttp, ImportsEveryEcosystemThenSendsConditionalRequests) {
    LoopbackHttpServer server(corpus(), work_ / "server.log");
    ASSERT_TRUE(server.running()) << "python3 -m http.server did not start";
    fs::path db = work_ / "cache/db";

    auto stats = update_database(options_for(server.url(), db));
    ASSERT_TRUE(stats) << stats.error().message << "\nserver log:\n" << server.log_text();
    EXPECT_FALSE(stats->unchanged);

    // Records per ecosystem equal the entries of each served zip.
    auto expected = zip_entry_counts(corpus());
    ASSERT_EQ(expected.size(), 13u);
    uint64_t total = 0;
    std::map<std::string, uint64_t> imported;
    for (const auto& source : stats->sources)
        if (source.kind == "osv") imported[source.name] = source.records;
    for (const auto& [name, count] : expected) {
        EXPECT_EQ(imported[name], count) << name;
        total += count;
    }
    EXPECT_EQ(total, 79218u);
    EXPECT_EQ(stats->advisories, total);  // no record id is in two folders of this corpus
    // The severity data was found under severity/ (through the server's folder listing).
    EXPECT_EQ(stats->cve_records, 3445u);
    EXPECT_GT(stats->cve_rated, 500u);

    auto database = VulnDatabase::open(db);
    ASSERT_TRUE(database) << database.error().message;
    DbStatus status = (*database)->status();
    EXPECT_EQ(status.advisories, total);
    std::map<std::string, uint64_t> per_ecosystem;
    for (const auto& count : status.ecosystems) per_ecosystem[count.ecosystem] = count.advisories;
    EXPECT_EQ(per_ecosystem["Debian:12"], 13426u);  // DEBIAN-CVE 13,396 + DEBIAN-GHSA 30
    EXPECT_EQ(per_ecosystem["npm"], 22336u - 54u - 1u);  // withdrawn records have no affected rows
    // A few answers the matcher will ask for, checked against the records by hand.
    bool found = false;
    for (const auto& row : (*database)->affected("Debian:12", "openssl"))
        if (row.advisory_id == "DEBIAN-CVE-2023-2975") {
            found = true;
            ASSERT_EQ(row.ranges.size(), 1u);
            EXPECT_EQ(row.ranges[0].events.back().version, "3.0.10-1~deb12u1");
        }
    EXPECT_TRUE(found);
    auto alsa = (*database)->advisory("ALSA-2024:0265");
    ASSERT_TRUE(alsa);
    EXPECT_EQ(alsa->severity, Severity::High);
    EXPECT_EQ(alsa->severity_source, "almalinux");

    // Every zip was fetched in full once.
    std::map<std::string, int> first_round;
    for (const auto& [path, code] : server.requests()) first_round[path] = code;
    for (const auto& [name, count] : expected) EXPECT_EQ(first_round["/" + name + "/all.zip"], 200) << name;
    EXPECT_EQ(first_round["/severity/vulnrichment-subset.zip"], 200);
    size_t logged = server.requests().size();

    // Second run: each zip is requested conditionally and the server answers 304.
    auto again = update_database(options_for(server.url(), db));
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_TRUE(again->unchanged);
    auto requests = server.requests();
    std::map<std::string, int> second_round;
    for (size_t k = logged; k < requests.size(); ++k) second_round[requests[k].first] = requests[k].second;
    for (const auto& [name, count] : expected) EXPECT_EQ(second_round["/" + name + "/all.zip"], 304) << name;
    EXPECT_EQ(second_round["/severity/vulnrichment-subset.zip"], 304);
    auto reopened = VulnDatabase::open(db);
    ASSERT_TRUE(reopened);
    EXPECT_EQ((*reopened)->status().advisories, total);
    EXPECT_GE((*reopened)->status().updated_at, status.updated_at);
}

TEST_F(DbUpdateOverHttp, AKilledUpdateLeavesThePreviousDatabaseAnswering) {
    fs::path db = work_ / "cache/db";
    // The previous database: three small ecosystems, from a directory.
    fs::path small = work_ / "small";
    fs::create_directories(small);
    std::ofstream(small / "ecosystems.txt") << "Maven\nNuGet\nUbuntu\n";
    for (const char* name : {"Maven", "NuGet", "Ubuntu"}) {
        fs::create_directories(small / name);
        fs::copy_file(corpus() / name / "all.zip", small / name / "all.zip");
    }
    auto first = update_database(options_for(small.string(), db));
    ASSERT_TRUE(first) << first.error().message;
    auto answers = [&](const fs::path& path) {
        auto database = VulnDatabase::open(path);
        EXPECT_TRUE(database) << database.error().message;
        if (!database) return std::string("unusable");
        std::string text = std::to_string((*database)->status().advisories);
        for (const auto& row : (*database)->affected("Maven", "org.apache.logging.log4j:log4j-core"))
            text += " " + row.advisory_id;
        auto advisory = (*database)->advisory("USN-5844-1");
        text += advisory ? " " + advisory->summary : " none";
        return text;
    };
    const std::string before = answers(db);
    EXPECT_EQ(before, "242 GHSA-jfh8-c2jp-5v3q openssl vulnerabilities");

    // The whole corpus over HTTP, in a child killed once the new file is a few MiB into the import.
    LoopbackHttpServer server(corpus(), work_ / "server.log");
    ASSERT_TRUE(server.running());
    pid_t child = ::fork();
    if (child == 0) {
        auto stats = update_database(options_for(server.url(), db));
        ::_exit(stats ? 0 : 3);
    }
    fs::path temp = fs::path(db.string() + ".tmp-" + std::to_string(child));
    auto deadline = Clock::now() + std::chrono::seconds(120);
    std::error_code error;
    while (Clock::now() < deadline) {
        if (fs::exists(temp, error) && fs::file_size(temp, error) > (4u << 20)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(child, SIGKILL);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wait_status)) << "the update finished before it could be killed";
    ASSERT_TRUE(fs::exists(temp)) << "killed before the import began";

    // The previous database answers exactly as before; the half-built file is not it.
    EXPECT_EQ(answers(db), before);
    EXPECT_NE(temp.filename(), db.filename());
    // schema_version is written in the build's last transaction: an unfinished file never opens.
    EXPECT_FALSE(VulnDatabase::open(temp)) << "a half-built file must never look like a database";

    // The next update cleans up after the killed one.
    auto next = update_database(options_for(small.string(), db));
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_FALSE(fs::exists(temp));
    for (const auto& entry : fs::directory_iterator(db.parent_path()))
        EXPECT_TRUE(entry.path().filename() == "db" || entry.path().filename() == "db.lock") << entry.path();
    EXPECT_EQ(answers(db), before);
}

TEST_F(DbUpdateOverHttp, ACorruptZipFailsNamingTheEcosystemAndKeepsTheOldDatabase) {
    fs::path root = served_copy({"Maven", "crates.io", "Ubuntu"});
    LoopbackHttpServer server(root, work_ / "server.log");
    ASSERT_TRUE(server.running());
    fs::path db = work_ / "cache/db";
    auto first = update_database(options_for(server.url(), db));
    ASSERT_TRUE(first) << first.error().message;
    auto status_before = (*VulnDatabase::open(db))->status();
    EXPECT_EQ(status_before.advisories, 5u + 1208u + 2u);

    // Bytes flipped in the middle of crates.io/all.zip (same size, new mtime).
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // Last-Modified has 1 s steps
    {
        std::fstream zip(root / "crates.io/all.zip", std::ios::in | std::ios::out | std::ios::binary);
        zip.seekp(static_cast<std::streamoff>(fs::file_size(root / "crates.io/all.zip") / 2));
        zip.write(std::string(4096, '\x5a').data(), 4096);
    }
    auto corrupt = update_database(options_for(server.url(), db));
    ASSERT_FALSE(corrupt);
    const std::string& message = corrupt.error().message;
    EXPECT_NE(message.find("ecosystem crates.io"), std::string::npos) << message;
    EXPECT_NE(message.find(server.url() + "crates.io/all.zip"), std::string::npos) << message;
    EXPECT_NE(message.find("left as it was"), std::string::npos) << message;

    auto after = VulnDatabase::open(db);
    ASSERT_TRUE(after) << after.error().message;
    DbStatus status_after = (*after)->status();
    EXPECT_EQ(status_after.advisories, status_before.advisories);
    EXPECT_EQ(status_after.updated_at, status_before.updated_at);
    EXPECT_FALSE((*after)->affected("crates.io", "smallvec").empty());  // RUSTSEC records still there
    for (const auto& entry : fs::directory_iterator(db.parent_path()))
        EXPECT_TRUE(entry.path().filename() == "db" || entry.path().filename() == "db.lock") << entry.path();

    // A truncated zip fails the same way.
    fs::resize_file(root / "crates.io/all.zip", fs::file_size(root / "crates.io/all.zip") / 3);
    auto truncated = update_database(options_for(server.url(), db));
    ASSERT_FALSE(truncated);
    EXPECT_NE(truncated.error().message.find("ecosystem crates.io"), std::string::npos) << truncated.error().message;
    EXPECT_EQ((*VulnDatabase::open(db))->status().advisories, status_before.advisories);

    // A listed ecosystem the server does not have: 404, named.
    fs::remove_all(root / "crates.io");
    auto missing = update_database(options_for(server.url(), db));
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("ecosystem crates.io"), std::string::npos);
    EXPECT_NE(missing.error().message.find("404"), std::string::npos) << missing.error().message;
}

// A loopback port nobody listens on: bound by the kernel's choice, then closed.
int unused_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        return 0;
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

TEST_F(DbUpdateOverHttp, NoServerIsANetworkErrorNamingTheSource) {
    int port = unused_port();
    ASSERT_GT(port, 0);
    std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
    auto options = options_for(url, work_ / "db");
    options.retries = 1;
    auto stats = update_database(options);
    ASSERT_FALSE(stats);
    EXPECT_NE(stats.error().message.find(url), std::string::npos) << stats.error().message;
    EXPECT_NE(stats.error().message.find("after 2 attempts"), std::string::npos) << stats.error().message;
    EXPECT_FALSE(fs::exists(work_ / "db"));
}

// --- the CLI ------------------------------------------------------------------------------------

bool cli_has_db_command() {
    auto help = run_command({MOAT_BINARY, "db", "update", "--help"});
    return help.exit_code == 0 && help.out.find("--source") != std::string::npos;
}

TEST_F(DbUpdateOverHttp, MoatCliDbUpdateAndStatus) {
    if (!cli_has_db_command()) GTEST_SKIP() << "this build's CLI has no `moat db update`";
    LoopbackHttpServer server(corpus(), work_ / "server.log");
    ASSERT_TRUE(server.running());
    std::string db = (work_ / "db").string();
    auto updated = run_command({MOAT_BINARY, "db", "update", "--source", server.url(), "--db", db});
    ASSERT_EQ(updated.exit_code, 0) << updated.err;
    EXPECT_NE(updated.out.find("79218 advisories"), std::string::npos) << updated.out;

    auto status = run_command({MOAT_BINARY, "db", "status", "--db", db, "--format", "json"});
    ASSERT_EQ(status.exit_code, 0) << status.err;
    auto document = nlohmann::json::parse(status.out, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << status.out;
    EXPECT_EQ(document["advisories"], 79218);
    EXPECT_EQ(document["schema"], kVulnDbSchemaVersion);
    EXPECT_EQ(document["sources"].size(), 14u);

    auto again = run_command({MOAT_BINARY, "db", "update", "--source", server.url(), "--db", db});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("up to date"), std::string::npos) << again.out;
    int not_modified = 0;
    for (const auto& [path, code] : server.requests()) not_modified += code == 304;
    EXPECT_EQ(not_modified, 14);

    auto bad = run_command({MOAT_BINARY, "db", "update", "--source", server.url() + "nothing-here/", "--db", db});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find(server.url() + "nothing-here/"), std::string::npos) << bad.err;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

}  // namespace
}  // namespace moat::testing
