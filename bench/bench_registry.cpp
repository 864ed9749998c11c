// moat serve against Debian's docker-registry, side by side on loopback with the same data:
// blob GET throughput (one large blob, MB/s), manifest GET requests per second (wrk), and the
// time skopeo takes to push and pull the test image (when MOAT_TEST_IMAGE_DIR is set).
// Goals: >= 1.5x docker-registry on blob GET, >= 2x on manifest GET.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/digest.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

int connect_to(const std::string& address) {
    size_t colon = address.rfind(':');
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
    ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr);
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent <= 0) return false;
        bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
}

struct Reply {
    int status = 0;
    std::string head;
    uint64_t body_bytes = 0;
    std::string body;  // kept when small
};

// One request on its own connection; the body is counted, and kept when under 1 MiB.
// With `discard`, the body is dropped in the kernel (MSG_TRUNC on TCP) so the client's copies
// do not cap the figure of the server being measured.
Reply exchange(const std::string& address, const std::string& method, const std::string& target,
               std::string_view body = {}, const std::string& content_type = "application/octet-stream",
               bool discard = false) {
    Reply reply;
    int fd = connect_to(address);
    if (fd < 0) return reply;
    std::string head = fmt::format("{} {} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\nContent-Length: {}\r\n"
                                   "Content-Type: {}\r\n\r\n", method, target, body.size(), content_type);
    if (!send_all(fd, head) || !send_all(fd, body)) {
        ::close(fd);
        return reply;
    }
    std::vector<char> buffer(1 << 20);
    std::string start;
    bool in_body = false;
    ssize_t got;
    while ((got = ::recv(fd, buffer.data(), buffer.size(), in_body && discard ? MSG_TRUNC : 0)) > 0) {
        if (in_body && discard) {
            reply.body_bytes += static_cast<uint64_t>(got);
            continue;
        }
        if (in_body) {
            reply.body_bytes += static_cast<uint64_t>(got);
            if (reply.body.size() < (1 << 20)) reply.body.append(buffer.data(), static_cast<size_t>(got));
            continue;
        }
        start.append(buffer.data(), static_cast<size_t>(got));
        size_t end = start.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        reply.head = start.substr(0, end);
        reply.body = start.substr(end + 4);
        reply.body_bytes = reply.body.size();
        in_body = true;
    }
    ::close(fd);
    if (reply.head.size() >= 12) reply.status = std::stoi(reply.head.substr(9, 3));
    return reply;
}

std::string header_value(const std::string& head, const std::string& name) {
    std::regex pattern("\r\n" + name + ": *([^\r]*)", std::regex::icase);
    std::smatch match;
    return std::regex_search(head, match, pattern) ? match[1].str() : "";
}

uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

pid_t spawn(std::vector<std::string> argv, const fs::path& log) {
    pid_t pid = ::fork();
    if (pid == 0) {
        FILE* out = std::freopen(log.c_str(), "w", stdout);
        FILE* err = std::freopen(log.c_str(), "a", stderr);
        (void)out;
        (void)err;
        std::vector<char*> args;
        for (auto& arg : argv) args.push_back(arg.data());
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

bool wait_until_up(const std::string& address) {
    for (int attempt = 0; attempt < 200; ++attempt) {
        if (exchange(address, "GET", "/v2/").status == 200) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

// Pushes the blobs and a manifest tagged "latest" into bench/app.
bool push_image(const std::string& address, const std::string& config, const std::string& layer,
                const std::string& manifest) {
    for (const std::string* blob : {&config, &layer}) {
        auto started = exchange(address, "POST", "/v2/bench/app/blobs/uploads/");
        std::string location = header_value(started.head, "Location");
        if (started.status != 202 || location.empty()) return false;
        if (location.starts_with("http")) location = location.substr(location.find('/', 8));
        location += (location.find('?') == std::string::npos ? "?" : "&") +
                    std::string("digest=") + moat::sha256_digest(*blob);
        if (exchange(address, "PUT", location, *blob).status != 201) return false;
    }
    return exchange(address, "PUT", "/v2/bench/app/manifests/latest", manifest,
                    "application/vnd.oci.image.manifest.v1+json").status == 201;
}

double blob_megabytes_per_second(const std::string& address, const std::string& digest, uint64_t size, int runs) {
    double best = 0;
    for (int run = 0; run < runs; ++run) {
        auto start = Clock::now();
        auto reply = exchange(address, "GET", "/v2/bench/app/blobs/" + digest, {}, {}, true);
        double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (reply.status != 200 || reply.body_bytes != size) return 0;
        best = std::max(best, static_cast<double>(size) / 1e6 / seconds);
    }
    return best;
}

double manifest_requests_per_second(const std::string& address, int seconds) {
    std::string command = fmt::format(
        "wrk -t2 -c32 -d{}s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "
        "http://{}/v2/bench/app/manifests/latest 2>&1", seconds, address);
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return 0;
    std::string output;
    char buffer[4096];
    while (size_t got = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, got);
    ::pclose(pipe);
    std::smatch match;
    if (output.find("Non-2xx") != std::string::npos) return 0;
    if (std::regex_search(output, match, std::regex("Requests/sec: *([0-9.]+)"))) return std::stod(match[1].str());
    return 0;
}

double skopeo_seconds(const std::vector<std::string>& argv) {
    std::string command;
    for (const auto& arg : argv) command += "'" + arg + "' ";
    auto start = Clock::now();
    int status = std::system((command + ">/dev/null 2>&1").c_str());
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return status == 0 ? seconds : -1;
}

}  // namespace

int main(int argc, char** argv) {
    uint64_t blob_mib = 512;
    int runs = 5, wrk_seconds = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--blob-mib") blob_mib = std::stoull(argv[i + 1]);
        else if (flag == "--runs") runs = std::stoi(argv[i + 1]);
        else if (flag == "--seconds") wrk_seconds = std::stoi(argv[i + 1]);
    }
    fs::path moat_binary = fs::read_symlink("/proc/self/exe").parent_path() / "moat";
    fs::path work = fs::temp_directory_path() / fmt::format("moat-bench-registry-{}", ::getpid());
    fs::create_directories(work);
    ::signal(SIGPIPE, SIG_IGN);

    pid_t moat = spawn({moat_binary.string(), "serve", "--no-auth", "--listen", "127.0.0.1:0", "--data",
                        (work / "moat").string(), "--ready-file", (work / "ready").string()},
                       work / "moat.log");
    std::string moat_address;
    for (int attempt = 0; attempt < 200 && moat_address.empty(); ++attempt) {
        std::ifstream in(work / "ready");
        in >> moat_address;
        if (moat_address.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::string reference_address = fmt::format("127.0.0.1:{}", free_port());
    {
        std::ofstream config(work / "docker-registry.yml");
        config << "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n"
               << "    rootdirectory: " << (work / "docker-registry").string()
               << "\n  delete:\n    enabled: true\nhttp:\n  addr: " << reference_address << "\n";
    }
    pid_t reference = spawn({"docker-registry", "serve", (work / "docker-registry.yml").string()},
                            work / "docker-registry.log");
    auto cleanup = [&] {
        ::kill(moat, SIGTERM);
        ::kill(reference, SIGTERM);
        ::waitpid(moat, nullptr, 0);
        ::waitpid(reference, nullptr, 0);
        std::error_code ec;
        fs::remove_all(work, ec);
    };
    if (moat_address.empty() || !wait_until_up(moat_address) || !wait_until_up(reference_address)) {
        fmt::print(stderr, "bench_registry: a registry did not start (moat: {}, docker-registry: {})\n", moat_address,
                   reference_address);
        cleanup();
        return 1;
    }

    std::string layer(blob_mib << 20, '\0');
    std::mt19937_64 random{42};
    for (size_t i = 0; i + 8 <= layer.size(); i += 8) {
        uint64_t value = random();
        std::memcpy(layer.data() + i, &value, 8);
    }
    std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
    std::string layer_digest = moat::sha256_digest(layer);
    nlohmann::json manifest{
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                    {"digest", moat::sha256_digest(config)}, {"size", config.size()}}},
        {"layers", nlohmann::json::array({{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                                           {"digest", layer_digest}, {"size", layer.size()}}})}};
    std::string manifest_bytes = manifest.dump();
    for (const auto& address : {moat_address, reference_address}) {
        if (!push_image(address, config, layer, manifest_bytes)) {
            fmt::print(stderr, "bench_registry: pushing to {} failed\n", address);
            cleanup();
            return 1;
        }
    }
    layer.clear();
    layer.shrink_to_fit();

    fmt::print("registry benchmark on loopback: moat serve vs docker-registry (same data)\n\n");
    double moat_blob = blob_megabytes_per_second(moat_address, layer_digest, blob_mib << 20, runs);
    double reference_blob = blob_megabytes_per_second(reference_address, layer_digest, blob_mib << 20, runs);
    double moat_manifest = manifest_requests_per_second(moat_address, wrk_seconds);
    double reference_manifest = manifest_requests_per_second(reference_address, wrk_seconds);
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    fmt::print("{:<36} {:>14} {:>16} {:>8}\n", "measure", "moat", "docker-registry", "ratio");
    fmt::print("{:<36} {:>14.0f} {:>16.0f} {:>7.2f}x  (goal >= 1.5x)\n",
               fmt::format("blob GET, {} MiB, MB/s (best of {})", blob_mib, runs), moat_blob, reference_blob,
               ratio(moat_blob, reference_blob));
    fmt::print("{:<36} {:>14.0f} {:>16.0f} {:>7.2f}x  (goal >= 2x)\n", "manifest GET, requests/s (wrk -c32)",
               moat_manifest, reference_manifest, ratio(moat_manifest, reference_manifest));

    if (const char* image_dir = std::getenv("MOAT_TEST_IMAGE_DIR"); image_dir && fs::exists(fs::path(image_dir) / "oci")) {
        std::string source = "oci:" + (fs::path(image_dir) / "oci").string() + ":1.0";
        std::vector<double> push, pull;
        for (const auto& address : {moat_address, reference_address}) {
            push.push_back(skopeo_seconds({"skopeo", "copy", "--dest-tls-verify=false", source,
                                           "docker://" + address + "/team/app:1.0"}));
            fs::path back = work / ("pulled-" + std::to_string(pull.size()));
            pull.push_back(skopeo_seconds({"skopeo", "copy", "--src-tls-verify=false",
                                           "docker://" + address + "/team/app:1.0", "oci:" + back.string() + ":1.0"}));
        }
        fmt::print("{:<36} {:>14.2f} {:>16.2f} {:>7.2f}x\n", "skopeo push of the test image, s", push[0], push[1],
                   ratio(push[1], push[0]));
        fmt::print("{:<36} {:>14.2f} {:>16.2f} {:>7.2f}x\n", "skopeo pull of the test image, s", pull[0], pull[1],
                   ratio(pull[1], pull[0]));
    }
    cleanup();
    return 0;
}
