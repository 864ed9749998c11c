// What registry security costs: manifest GET requests per second with the pull gate off
// (blocking disabled) against the gate on (blocking at a threshold the image passes, so every
// GET is judged and allowed), in the same moat serve, alternating; and the time from a skopeo
// push of the test image to its verdict, next to the CLI doing the same work (skopeo push +
// `moat scan` of the same layout) as the reference.
// Goal (issue 7): the gate costs under 10 % of manifest GET throughput. Printed, never asserted.
//
//   bench_registry_gate --db PATH [--runs N] [--seconds S]      (needs MOAT_TEST_IMAGE_DIR)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

std::string quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Runs a shell command; its stdout, and whether it exited 0.
bool run(const std::string& command, std::string* out = nullptr) {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return false;
    std::string text;
    char buffer[4096];
    while (size_t got = std::fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, got);
    int status = ::pclose(pipe);
    if (out) *out = std::move(text);
    return status == 0;
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double manifest_requests_per_second(const std::string& url, int seconds) {
    std::string output;
    run(fmt::format("wrk -t2 -c32 -d{}s -H 'Accept: application/vnd.oci.image.manifest.v1+json' {} 2>&1",
                    seconds, quote(url)),
        &output);
    std::smatch match;
    if (output.find("Non-2xx") != std::string::npos) return 0;  // refused pulls would not be a fair count
    if (std::regex_search(output, match, std::regex("Requests/sec: *([0-9.]+)"))) return std::stod(match[1].str());
    return 0;
}

bool put_policy(const std::string& address, const json& policy) {
    return run(fmt::format("curl -sf -X PUT -H 'Content-Type: application/json' --data-binary {} "
                           "http://{}/api/v1/namespaces/team/policy >/dev/null",
                           quote(policy.dump()), address));
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 3, wrk_seconds = 5;
    std::string db;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--runs") runs = std::stoi(argv[i + 1]);
        else if (flag == "--seconds") wrk_seconds = std::stoi(argv[i + 1]);
        else if (flag == "--db") db = argv[i + 1];
    }
    const char* image_dir = std::getenv("MOAT_TEST_IMAGE_DIR");
    if (!image_dir || !fs::exists(fs::path(image_dir) / "oci") || db.empty() || !fs::exists(db)) {
        fmt::print(stderr, "bench_registry_gate: needs MOAT_TEST_IMAGE_DIR and --db PATH (a moat vulnerability database)\n");
        return 2;
    }
    const std::string source = "oci:" + (fs::path(image_dir) / "oci").string() + ":1.0";
    fs::path moat_binary = fs::read_symlink("/proc/self/exe").parent_path() / "moat";
    fs::path work = fs::temp_directory_path() / fmt::format("moat-bench-gate-{}", ::getpid());
    fs::create_directories(work);
    ::signal(SIGPIPE, SIG_IGN);

    pid_t server = ::fork();
    if (server == 0) {
        FILE* log = std::freopen((work / "serve.log").c_str(), "w", stderr);
        (void)log;
        ::execl(moat_binary.c_str(), "moat", "serve", "--no-auth", "--listen", "127.0.0.1:0", "--data",
                (work / "data").c_str(), "--db", db.c_str(), "--ready-file", (work / "ready").c_str(), nullptr);
        ::_exit(127);
    }
    auto cleanup = [&] {
        ::kill(server, SIGTERM);
        ::waitpid(server, nullptr, 0);
        std::error_code ignored;
        fs::remove_all(work, ignored);
    };
    std::string address;
    for (int attempt = 0; attempt < 200 && address.empty(); ++attempt) {
        std::ifstream in(work / "ready");
        in >> address;
        if (address.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (address.empty()) {
        fmt::print(stderr, "bench_registry_gate: moat serve did not start\n");
        cleanup();
        return 1;
    }

    // Push to verdict.
    auto start = Clock::now();
    bool pushed = run(fmt::format("skopeo copy -q --dest-tls-verify=false {} docker://{}/team/app:1.0 >/dev/null 2>&1",
                                  quote(source), address));
    double push_seconds = seconds_since(start);
    json report;
    while (pushed && seconds_since(start) < 600) {
        std::string text;
        run(fmt::format("curl -sf http://{}/api/v1/repositories/team/app/manifests/1.0/report", address), &text);
        report = json::parse(text, nullptr, false);
        if (report.is_object() && (report.value("status", "") == "done" || report.value("status", "") == "failed")) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    double verdict_seconds = seconds_since(start);
    if (!pushed || !report.is_object() || report.value("status", "") != "done") {
        fmt::print(stderr, "bench_registry_gate: the pushed image was not scanned: {}\n", report.dump());
        cleanup();
        return 1;
    }
    start = Clock::now();
    bool scanned = run(fmt::format("{} scan {} --db {} --skip-db-update --format json --quiet >/dev/null",
                                   quote(moat_binary.string()), quote(source), quote(db)));
    double cli_scan_seconds = seconds_since(start);

    // The gate on: block at CRITICAL with every CRITICAL id of the image allowlisted, so each GET
    // is judged against the whole report and allowed.
    json allowlist = json::array();
    for (const auto& finding : report["report"]["findings"])
        if (finding.value("severity", "") == "CRITICAL") allowlist.push_back({{"id", finding.value("id", "")}});
    json gate_on = {{"block_enabled", true}, {"block_severity", "CRITICAL"}, {"allowlist", allowlist},
                    {"unscanned", "block"}};
    json gate_off = {{"block_enabled", false}};
    const std::string url = fmt::format("http://{}/v2/team/app/manifests/1.0", address);
    double best_off = 0, best_on = 0;
    for (int round = 0; round < runs; ++round) {
        if (!put_policy(address, gate_off)) break;
        best_off = std::max(best_off, manifest_requests_per_second(url, wrk_seconds));
        if (!put_policy(address, gate_on)) break;
        best_on = std::max(best_on, manifest_requests_per_second(url, wrk_seconds));
    }
    std::string load;
    run("cut -d' ' -f1-3 /proc/loadavg", &load);
    if (!load.empty() && load.back() == '\n') load.pop_back();

    fmt::print("registry security benchmark (loopback, moat serve, the test image; load average {})\n\n", load);
    fmt::print("{:<52} {:>12}\n", "measure", "value");
    fmt::print("{:<52} {:>12.0f}\n", "manifest GET req/s, gate off (best of rounds)", best_off);
    fmt::print("{:<52} {:>12.0f}\n", fmt::format("manifest GET req/s, gate on ({} ids allowlisted)", allowlist.size()),
               best_on);
    double cost = best_off > 0 ? 1.0 - best_on / best_off : 0;
    fmt::print("{:<52} {:>11.1f}%  (goal < 10 %: {})\n", "gate cost", cost * 100,
               best_on > 0 && cost < 0.10 ? "met" : "missed");
    fmt::print("{:<52} {:>12.2f}\n", "push to verdict, s (skopeo push + scan on push)", verdict_seconds);
    fmt::print("{:<52} {:>12.2f}\n", "  of which skopeo push, s", push_seconds);
    fmt::print("{:<52} {:>12.2f}\n", "reference: moat scan of the same layout, s", scanned ? cli_scan_seconds : -1);
    double reference = push_seconds + cli_scan_seconds;
    fmt::print("{:<52} {:>12.2f}\n", "push-to-verdict / (push + CLI scan)", reference > 0 ? verdict_seconds / reference : 0);
    fmt::print("RESULT gate_off_rps={:.0f} gate_on_rps={:.0f} gate_cost={:.3f} push_s={:.2f} verdict_s={:.2f} "
               "cli_scan_s={:.2f}\n",
               best_off, best_on, cost, push_seconds, verdict_seconds, cli_scan_seconds);
    cleanup();
    return 0;
}
