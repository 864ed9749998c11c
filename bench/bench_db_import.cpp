// `moat db update` from a local copy of the OSV export: import time, database size and
// records/second, against the reference of only unzipping and JSON-parsing the same records
// (what any importer must do) — the ratio is the cost of building the SQLite database.
// Also the lookup cost the matcher pays: VulnDatabase::affected() per package.
//
// Usage: bench_db_import [VULNDB_DIR]   (default: ../shared/vulndb beside the checkout)
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <simdjson.h>

#include "vulndb/osv_import.h"
#include "vulndb/store.h"
#include "vulndb/updater.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of this process (user + system): on a busy machine, wall time measures the others.
double cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::vector<fs::path> zips_of(const fs::path& root) {
    std::vector<fs::path> zips;
    for (const auto& entry : fs::directory_iterator(root))
        if (fs::is_regular_file(entry.path() / "all.zip")) zips.push_back(entry.path() / "all.zip");
    std::sort(zips.begin(), zips.end());
    return zips;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path root = argc > 1 ? fs::path(argv[1])
                             : fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared" / "vulndb";
    if (!fs::is_directory(root)) {
        std::fprintf(stderr, "bench_db_import: %s: not a directory\n", root.c_str());
        return 1;
    }
    auto zips = zips_of(root);

    // Reference 1: unzip only. Reference 2: unzip + simdjson DOM parse of every record.
    uint64_t records = 0, json_bytes = 0;
    auto start = Clock::now();
    double cpu = cpu_seconds();
    for (const auto& zip : zips) {
        moat::Status walked = moat::for_each_zip_entry(zip, [&](std::string_view, std::string_view body) {
            json_bytes += body.size();
            return moat::Status::Ok();
        });
        if (!walked) {
            std::fprintf(stderr, "%s\n", walked.message().c_str());
            return 1;
        }
    }
    double unzip_seconds = seconds_since(start);
    double unzip_cpu = cpu_seconds() - cpu;

    simdjson::dom::parser parser;
    start = Clock::now();
    cpu = cpu_seconds();
    for (const auto& zip : zips) {
        moat::Status walked = moat::for_each_zip_entry(zip, [&](std::string_view, std::string_view body) {
            simdjson::dom::element document;
            if (parser.parse(body.data(), body.size(), false).get(document) != simdjson::SUCCESS)
                return moat::Status(moat::Error{"bad JSON"});
            ++records;
            return moat::Status::Ok();
        });
        if (!walked) {
            std::fprintf(stderr, "%s\n", walked.message().c_str());
            return 1;
        }
    }
    double parse_seconds = seconds_since(start);
    double parse_cpu = cpu_seconds() - cpu;

    // The importer's own parse into Advisory/AffectedPackage, without SQLite.
    moat::OsvRecordParser osv;
    moat::OsvImportCounts counts;
    start = Clock::now();
    cpu = cpu_seconds();
    for (const auto& zip : zips) {
        moat::Status walked = moat::for_each_zip_entry(zip, [&](std::string_view, std::string_view body) {
            auto record = osv.parse(body, counts);
            return record ? moat::Status::Ok() : moat::Status(record.error());
        });
        if (!walked) return 1;
    }
    double osv_seconds = seconds_since(start);
    double osv_cpu = cpu_seconds() - cpu;

    // The real update, from the directory, into a fresh database.
    fs::path work = fs::temp_directory_path() / ("moat-bench-db-" + std::to_string(::getpid()));
    fs::create_directories(work);
    moat::UpdateOptions options;
    options.source = root.string();
    options.db_path = work / "db";
    options.progress = false;
    start = Clock::now();
    cpu = cpu_seconds();
    auto stats = moat::update_database(options);
    double update_seconds = seconds_since(start);
    double update_cpu = cpu_seconds() - cpu;
    if (!stats) {
        std::fprintf(stderr, "update failed: %s\n", stats.error().message.c_str());
        fs::remove_all(work);
        return 1;
    }

    // A second update: every source unchanged (the conditional path).
    start = Clock::now();
    auto again = moat::update_database(options);
    double unchanged_seconds = seconds_since(start);

    // Lookups as the matcher makes them.
    auto db = moat::VulnDatabase::open(options.db_path);
    double lookup_us = 0, advisory_us = 0;
    uint64_t rows = 0;
    if (db) {
        std::vector<std::string> packages = {"openssl", "curl", "libxml2", "glibc", "systemd", "tar",
                                             "gnutls28", "zlib", "perl", "python3.11", "no-such-package",
                                             "bash", "sqlite3", "expat", "krb5", "libtasn1-6"};
        const int rounds = 200;
        std::vector<std::string> hits;
        start = Clock::now();
        for (int round = 0; round < rounds; ++round)
            for (const auto& package : packages) {
                auto affected = (*db)->affected("Debian:12", package);
                rows += affected.size();
                if (round == 0)
                    for (const auto& row : affected) hits.push_back(row.advisory_id);
            }
        lookup_us = seconds_since(start) * 1e6 / (rounds * static_cast<double>(packages.size()));
        start = Clock::now();
        for (const auto& id : hits) (void)(*db)->advisory(id);
        advisory_us = hits.empty() ? 0 : seconds_since(start) * 1e6 / static_cast<double>(hits.size());
    }

    std::printf("source:                 %s (%zu all.zip, %llu records, %.1f MiB of JSON)\n",
                root.c_str(), zips.size(), static_cast<unsigned long long>(records),
                static_cast<double>(json_bytes) / (1 << 20));
    std::printf("%-34s %8s %8s\n", "", "wall s", "CPU s");
    std::printf("%-34s %8.2f %8.2f\n", "reference: unzip only", unzip_seconds, unzip_cpu);
    std::printf("%-34s %8.2f %8.2f\n", "reference: unzip + JSON parse", parse_seconds, parse_cpu);
    std::printf("%-34s %8.2f %8.2f\n", "unzip + OSV parse (no SQLite)", osv_seconds, osv_cpu);
    std::printf("%-34s %8.2f %8.2f  (%.0f records/s wall; goal < 15 s)\n", "moat db update (fresh)",
                update_seconds, update_cpu, static_cast<double>(records) / update_seconds);
    std::printf("%-34s %8.2f %8.2f\n", "ratio update / (unzip + parse)", update_seconds / parse_seconds,
                update_cpu / parse_cpu);
    std::printf("%-34s %8.3f           (%s)\n", "moat db update (all unchanged)", unchanged_seconds,
                again && again->unchanged ? "kept, touched" : "rebuilt?");
    std::printf("database: %llu advisories, %.1f MiB (%llu rated from CVE data)\n",
                static_cast<unsigned long long>(stats->advisories),
                static_cast<double>(stats->db_bytes) / (1 << 20),
                static_cast<unsigned long long>(stats->cve_rated));
    std::printf("%-34s %8.1f us/call (%llu rows)\n", "lookup affected(Debian:12, pkg)", lookup_us,
                static_cast<unsigned long long>(rows));
    std::printf("%-34s %8.1f us/call\n", "lookup advisory(id)", advisory_us);
    fs::remove_all(work);
    return 0;
}
