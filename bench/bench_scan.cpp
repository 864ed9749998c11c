// `moat scan` cost on top of the walk, and matcher throughput, on the real test image and the
// whole ../shared/vulndb:
//   db-update    the warm database this benchmark uses, built in-process with update_database
//                (import time, size; goal < 15 s). bench_db_import breaks the import down
//                against unzip/JSON-parse references; here it is only timed.
//   scan-*       the image's inventory walk alone (open_image + InventoryScanner, the default
//                analyzers) next to the whole scan in-process (walk + open the warm database +
//                Matcher::match + filters + the JSON report), and the matching part alone on
//                the walked inventory. Goal: the scan adds < 100 ms to the walk, judged on the
//                matching part timed alone (the difference of two best times is printed too,
//                but it is at the mercy of the walk's noise on a shared machine).
//   cli-*        the same as a user sees it: `moat sbom` against `moat scan --skip-db-update`
//                (separate processes, output to /dev/null), when the moat binary sits beside
//                this one.
//   matcher-*    Matcher::match throughput in packages/s: over the image's inventory, and over
//                synthetic lists of every Debian 12 source package name in the data, once at
//                version 0 (every advisory applies: the most findings) and once at 999:0 (none
//                applies: the lookups alone).
// Figures are the best of --runs, walk and scan runs alternating; wall time is the figure of
// record, CPU time is beside it (a shared machine inflates wall time only). Goals are printed,
// never asserted. One `RESULT case=… key=value…` line per case at the end.
//
//   bench_scan [--image-dir DIR] [--vulndb DIR] [--db PATH] [--runs N] [--matcher-seconds S]
//
// The image directory (oci/ and image.tar of ../shared/tools/make-test-image.sh) is
// --image-dir, else $MOAT_BENCH_IMAGE_DIR, else $MOAT_TEST_IMAGE_DIR. --db reuses an existing
// database instead of importing one (db-update is then not measured).
#include <fcntl.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/scan_options.h"
#include "image/image.h"
#include "report/scan_report.h"
#include "scanner/inventory_scanner.h"
#include "vulndb/matcher.h"
#include "vulndb/osv_import.h"
#include "vulndb/updater.h"
#include "vulndb/vulndb.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr double kGoalImportSeconds = 15;
constexpr double kGoalAddedMs = 100;

double cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The best (lowest) wall and the best CPU seconds over the runs, each on its own: on a loaded
// machine the two minima need not come from the same run.
struct Timing {
    double wall = std::numeric_limits<double>::infinity();
    double cpu = std::numeric_limits<double>::infinity();
    void keep_best(double run_wall, double run_cpu) {
        wall = std::min(wall, run_wall);
        cpu = std::min(cpu, run_cpu);
    }
};

template <typename F>
void timed(Timing& timing, F&& body) {
    auto start = Clock::now();
    double cpu = cpu_seconds();
    body();
    timing.keep_best(std::chrono::duration<double>(Clock::now() - start).count(),
                     cpu_seconds() - cpu);
}

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "bench_scan: %s\n", message.c_str());
    std::exit(1);
}

moat::ImageInventory walk(const std::string& ref) {
    auto source = moat::open_image(ref, moat::OpenOptions{});
    if (!source) die(source.error().message);
    moat::InventoryScanner scanner(moat::default_package_analyzers());
    auto inventory = scanner.scan(**source);
    if (!inventory) die(inventory.error().message);
    return std::move(*inventory);
}

// What `moat scan` does after the walk: open the database, match, filter, build the report.
size_t match_and_report(moat::ImageInventory inventory, const fs::path& db_path,
                        size_t* report_bytes) {
    auto db = moat::VulnDatabase::open(db_path);
    if (!db) die(db.error().message);
    moat::ScanResult result;
    result.db = (*db)->status();
    auto severities = moat::parse_severity_filter("");
    result.vulnerabilities =
        moat::filter_findings(moat::Matcher(**db).match(inventory.packages, inventory.os),
                              *severities, {}, false, moat::today_utc());
    result.inventory = std::move(inventory);
    std::string text = moat::scan_json(result).dump(2);
    if (report_bytes) *report_bytes = text.size();
    return result.vulnerabilities.size();
}

// Runs a program with stdout/stderr on /dev/null; its wall and CPU (user + system) seconds, or
// a negative wall time when it could not run or failed.
struct ChildTime {
    double wall = -1, cpu = 0;
};
ChildTime run_quietly(const std::vector<std::string>& argv) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    auto start = Clock::now();
    pid_t pid = 0;
    int spawned = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) return {};
    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    ChildTime time;
    time.wall = std::chrono::duration<double>(Clock::now() - start).count();
    time.cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
               static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) time.wall = -1;
    return time;
}

// Every source package name the Debian records list for Debian:12 (real names, as the matcher
// queries them).
std::vector<std::string> debian12_sources(const fs::path& zip) {
    std::set<std::string> names;
    simdjson::dom::parser parser;
    moat::Status walked =
        moat::for_each_zip_entry(zip, [&](std::string_view, std::string_view body) {
            if (body.find("\"Debian:12\"") == std::string_view::npos) return moat::Status::Ok();
            simdjson::dom::element record;
            if (parser.parse(body.data(), body.size(), false).get(record) != simdjson::SUCCESS)
                return moat::Status(moat::Error{"bad JSON"});
            for (simdjson::dom::element affected : record["affected"].get_array()) {
                std::string_view ecosystem, name;
                if (affected["package"]["ecosystem"].get(ecosystem) == simdjson::SUCCESS &&
                    ecosystem == "Debian:12" &&
                    affected["package"]["name"].get(name) == simdjson::SUCCESS)
                    names.emplace(name);
            }
            return moat::Status::Ok();
        });
    if (!walked) die(walked.message());
    return {names.begin(), names.end()};
}

struct MatcherFigures {
    std::string name;
    size_t packages = 0, findings = 0, calls = 0;
    Timing timing;  // of one match() call (best)
    double packages_per_s() const { return static_cast<double>(packages) / timing.wall; }
};

// Best single match() call over at least `seconds` of repetitions (and `runs` calls).
MatcherFigures measure_matcher(const std::string& name, const moat::VulnDatabase& db,
                               const std::vector<moat::Package>& packages,
                               const std::optional<moat::OsInfo>& os, int runs, double seconds) {
    MatcherFigures figures;
    figures.name = name;
    figures.packages = packages.size();
    moat::Matcher matcher(db);
    auto start = Clock::now();
    while (figures.calls < static_cast<size_t>(runs) ||
           std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
        timed(figures.timing, [&] { figures.findings = matcher.match(packages, os).size(); });
        ++figures.calls;
    }
    return figures;
}

}  // namespace

int main(int argc, char** argv) {
    std::string image_dir, db_arg;
    fs::path vulndb =
        fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared" / "vulndb";
    int runs = 5;
    double matcher_seconds = 2;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--image-dir")
            image_dir = value();
        else if (arg == "--vulndb")
            vulndb = value();
        else if (arg == "--db")
            db_arg = value();
        else if (arg == "--runs")
            runs = std::max(1, std::atoi(value().c_str()));
        else if (arg == "--matcher-seconds")
            matcher_seconds = std::atof(value().c_str());
        else
            die("unknown argument " + arg +
                " (see the comment at the top of bench/bench_scan.cpp)");
    }
    if (image_dir.empty())
        for (const char* variable : {"MOAT_BENCH_IMAGE_DIR", "MOAT_TEST_IMAGE_DIR"})
            if (const char* set = std::getenv(variable); set && *set && image_dir.empty())
                image_dir = set;
    if (image_dir.empty() || !fs::exists(fs::path(image_dir) / "oci/index.json"))
        die("no test image: pass --image-dir or set MOAT_BENCH_IMAGE_DIR (scripts/test-image.sh "
            "builds one)");

    // --- db-update ------------------------------------------------------------------------
    fs::path work = fs::temp_directory_path() / ("moat-bench-scan-" + std::to_string(::getpid()));
    fs::path db_path = db_arg.empty() ? work / "db" : fs::path(db_arg);
    Timing import;
    std::optional<moat::UpdateStats> imported;
    if (db_arg.empty()) {
        if (!fs::is_directory(vulndb)) die(vulndb.string() + ": not a directory (pass --vulndb)");
        fs::create_directories(work);
        moat::UpdateOptions options;
        options.source = vulndb.string();
        options.db_path = db_path;
        options.progress = false;
        fmt::print("importing {} ...\n", vulndb.string());
        std::fflush(stdout);
        timed(import, [&] {
            auto stats = moat::update_database(options);
            if (!stats) die(stats.error().message);
            imported = std::move(*stats);
        });
    }
    auto db = moat::VulnDatabase::open(db_path);
    if (!db) die(db.error().message);
    double db_mib = static_cast<double>(fs::file_size(db_path)) / (1 << 20);

    // --- scan vs walk ---------------------------------------------------------------------
    struct ScanFigures {
        std::string name, ref;
        Timing walk, scan, match;
        size_t packages = 0, findings = 0, report_bytes = 0;
        moat::ImageInventory inventory;
        double added_ms() const { return (scan.wall - walk.wall) * 1e3; }
        double added_cpu_ms() const { return (scan.cpu - walk.cpu) * 1e3; }
    };
    std::vector<ScanFigures> scans = {
        {"scan-oci",
         "oci:" + (fs::path(image_dir) / "oci").string() + ":1.0",
         {},
         {},
         {},
         0,
         0,
         0,
         {}},
        {"scan-docker",
         "docker-archive:" + (fs::path(image_dir) / "image.tar").string(),
         {},
         {},
         {},
         0,
         0,
         0,
         {}}};
    for (auto& figures : scans) {
        if (figures.name == "scan-docker" && !fs::exists(fs::path(image_dir) / "image.tar"))
            continue;
        fmt::print("{}: {} runs of walk / scan / match ...\n", figures.name, runs);
        std::fflush(stdout);
        figures.inventory = walk(figures.ref);  // warms the page cache for both
        figures.packages = figures.inventory.packages.size();
        for (int run = 0; run < runs; ++run) {
            timed(figures.walk, [&] { (void)walk(figures.ref); });
            timed(figures.scan, [&] {
                figures.findings =
                    match_and_report(walk(figures.ref), db_path, &figures.report_bytes);
            });
            moat::ImageInventory copy = figures.inventory;  // copied outside the timing
            timed(figures.match,
                  [&] { (void)match_and_report(std::move(copy), db_path, nullptr); });
        }
    }

    // --- the CLI, as a user runs it ---------------------------------------------------------
    struct CliFigures {
        std::string name;
        Timing sbom, scan;
        bool ran = false;
        double added_ms() const { return (scan.wall - sbom.wall) * 1e3; }
        double added_cpu_ms() const { return (scan.cpu - sbom.cpu) * 1e3; }
    };
    std::vector<CliFigures> clis;
    fs::path moat_binary = fs::read_symlink("/proc/self/exe").parent_path() / "moat";
    if (fs::exists(moat_binary)) {
        for (const auto& figures : scans) {
            if (figures.packages == 0) continue;
            CliFigures cli;
            cli.name = "cli-" + figures.name.substr(5);
            cli.ran = true;
            fmt::print("{}: {} runs of `moat sbom` / `moat scan` ...\n", cli.name, runs);
            std::fflush(stdout);
            for (int run = 0; run < runs; ++run) {
                auto sbom = run_quietly(
                    {moat_binary.string(), "sbom", figures.ref, "--format", "json", "--quiet"});
                auto scan =
                    run_quietly({moat_binary.string(), "scan", figures.ref, "--format", "json",
                                 "--quiet", "--skip-db-update", "--db", db_path.string()});
                if (sbom.wall < 0 || scan.wall < 0) {
                    cli.ran = false;
                    break;
                }
                cli.sbom.keep_best(sbom.wall, sbom.cpu);
                cli.scan.keep_best(scan.wall, scan.cpu);
            }
            clis.push_back(cli);
        }
    }

    // --- matcher throughput -----------------------------------------------------------------
    fmt::print("matcher: about {:.0f} s per case ...\n", matcher_seconds);
    std::fflush(stdout);
    std::vector<MatcherFigures> matchers;
    if (!scans.front().inventory.packages.empty())
        matchers.push_back(measure_matcher("matcher-image", **db, scans.front().inventory.packages,
                                           scans.front().inventory.os, runs, matcher_seconds));
    auto sources = debian12_sources(vulndb / "Debian" / "all.zip");
    moat::OsInfo debian12{"debian", "12", "bookworm", "Debian GNU/Linux 12 (bookworm)", false};
    for (const auto& [name, version] :
         {std::pair<std::string, std::string>{"matcher-debian12-all-affected", "0"},
          {"matcher-debian12-none-affected", "999:0"}}) {
        std::vector<moat::Package> packages;
        for (const auto& source : sources) {
            moat::Package package;
            package.type = "deb";
            package.name = package.source_name = source;
            package.version = package.source_version = version;
            package.arch = "amd64";
            package.path = "var/lib/dpkg/status";
            packages.push_back(std::move(package));
        }
        if (!packages.empty())
            matchers.push_back(
                measure_matcher(name, **db, packages, debian12, runs, matcher_seconds));
    }

    // --- report -----------------------------------------------------------------------------
    fmt::print("\n================ results (best of {} runs) ================\n", runs);
    if (imported)
        fmt::print(
            "db update (whole {}): {:.2f} s wall, {:.2f} s CPU, {} advisories, {:.1f} MiB  "
            "(goal < {:.0f} s: {})\n",
            vulndb.string(), import.wall, import.cpu, imported->advisories, db_mib,
            kGoalImportSeconds, import.wall < kGoalImportSeconds ? "met" : "MISSED");
    else
        fmt::print("database: {} ({:.1f} MiB), not imported here\n", db_path.string(), db_mib);

    // The goal is judged on the matching part timed alone, the most direct measure of what the
    // scan adds; the differences of best times are printed beside it (noisy on a loaded machine).
    fmt::print("\n{:<12} {:>8} {:>8} {:>8} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9} {:>6}\n", "case",
               "packages", "findings", "walk s", "scan s", "ratio", "added ms", "+CPU ms",
               "match ms", "CPU ms", "goal");
    for (const auto& figures : scans) {
        if (figures.packages == 0) continue;
        fmt::print(
            "{:<12} {:>8} {:>8} {:>8.3f} {:>8.3f} {:>7.3f} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f} "
            "{:>6}\n",
            figures.name, figures.packages, figures.findings, figures.walk.wall, figures.scan.wall,
            figures.scan.wall / figures.walk.wall, figures.added_ms(), figures.added_cpu_ms(),
            figures.match.wall * 1e3, figures.match.cpu * 1e3,
            figures.match.wall * 1e3 < kGoalAddedMs ? "met" : "MISSED");
    }
    fmt::print(
        "(added = best scan - best walk, +CPU = the same in CPU time; match = database open + "
        "match +\n"
        " filters + JSON report on the walked inventory, timed alone)\n");
    for (const auto& cli : clis) {
        if (!cli.ran) {
            fmt::print("{:<12} moat sbom/scan failed\n", cli.name);
            continue;
        }
        fmt::print(
            "{:<12} moat sbom {:.3f} s ({:.3f} s CPU), moat scan {:.3f} s ({:.3f} s CPU): the scan "
            "adds "
            "{:.1f} ms, {:.1f} ms CPU (goal < {:.0f} ms)\n",
            cli.name, cli.sbom.wall, cli.sbom.cpu, cli.scan.wall, cli.scan.cpu, cli.added_ms(),
            cli.added_cpu_ms(), kGoalAddedMs);
    }
    fmt::print("\n{:<32} {:>9} {:>9} {:>7} {:>12} {:>14} {:>14}\n", "matcher case", "packages",
               "findings", "calls", "ms per call", "packages/s", "findings/s");
    for (const auto& figures : matchers)
        fmt::print("{:<32} {:>9} {:>9} {:>7} {:>12.2f} {:>14.0f} {:>14.0f}\n", figures.name,
                   figures.packages, figures.findings, figures.calls, figures.timing.wall * 1e3,
                   figures.packages_per_s(),
                   static_cast<double>(figures.findings) / figures.timing.wall);

    fmt::print(
        "\ngoals: db update of the whole corpus < {:.0f} s; a warm-database scan adds < {:.0f} ms "
        "to the walk\n\n",
        kGoalImportSeconds, kGoalAddedMs);
    if (imported)
        fmt::print(
            "RESULT case=db-update wall_s={:.3f} cpu_s={:.3f} advisories={} db_mib={:.1f} "
            "goal_s={:.0f} goal={}\n",
            import.wall, import.cpu, imported->advisories, db_mib, kGoalImportSeconds,
            import.wall < kGoalImportSeconds ? "met" : "missed");
    for (const auto& figures : scans)
        if (figures.packages)
            fmt::print(
                "RESULT case={} packages={} findings={} walk_s={:.4f} scan_s={:.4f} ratio={:.3f} "
                "added_ms={:.1f} "
                "added_cpu_ms={:.1f} match_ms={:.1f} match_cpu_ms={:.1f} walk_cpu_s={:.4f} "
                "scan_cpu_s={:.4f} "
                "report_bytes={} goal_added_ms={:.0f} goal={}\n",
                figures.name, figures.packages, figures.findings, figures.walk.wall,
                figures.scan.wall, figures.scan.wall / figures.walk.wall, figures.added_ms(),
                figures.added_cpu_ms(), figures.match.wall * 1e3, figures.match.cpu * 1e3,
                figures.walk.cpu, figures.scan.cpu, figures.report_bytes, kGoalAddedMs,
                figures.match.wall * 1e3 < kGoalAddedMs ? "met" : "missed");
    for (const auto& cli : clis)
        if (cli.ran)
            fmt::print(
                "RESULT case={} sbom_s={:.4f} scan_s={:.4f} added_ms={:.1f} sbom_cpu_s={:.4f} "
                "scan_cpu_s={:.4f} "
                "added_cpu_ms={:.1f} goal_added_ms={:.0f}\n",
                cli.name, cli.sbom.wall, cli.scan.wall, cli.added_ms(), cli.sbom.cpu, cli.scan.cpu,
                cli.added_cpu_ms(), kGoalAddedMs);
    for (const auto& figures : matchers)
        fmt::print(
            "RESULT case={} packages={} findings={} calls={} ms_per_call={:.3f} "
            "packages_per_s={:.0f} "
            "findings_per_s={:.0f} cpu_ms_per_call={:.3f}\n",
            figures.name, figures.packages, figures.findings, figures.calls,
            figures.timing.wall * 1e3, figures.packages_per_s(),
            static_cast<double>(figures.findings) / figures.timing.wall, figures.timing.cpu * 1e3);

    std::error_code ignored;
    fs::remove_all(work, ignored);
    return 0;
}
