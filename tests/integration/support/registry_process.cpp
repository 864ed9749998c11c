#include "support/registry_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "image/digest.h"

#ifndef MOAT_BINARY
#error "MOAT_BINARY must name the moat executable"
#endif

namespace moat::testing {

namespace fs = std::filesystem;

namespace {

int connect_to(const std::string& address) {
    size_t colon = address.rfind(':');
    if (colon == std::string::npos) return -1;
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
    if (::inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr) != 1) return -1;
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    timeval timeout{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
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

std::string request_head(const std::string& method, const std::string& target, uint64_t length,
                         const std::vector<std::string>& headers) {
    std::string head = method + " " + target + " HTTP/1.1\r\nHost: registry\r\nConnection: close\r\n";
    head += "Content-Length: " + std::to_string(length) + "\r\n";
    for (const auto& header : headers) head += header + "\r\n";
    return head + "\r\n";
}

}  // namespace

RegistryProcess::RegistryProcess(const fs::path& data_dir, const std::vector<std::string>& extra) {
    std::mt19937_64 random{std::random_device{}()};
    scratch_ = fs::temp_directory_path() / ("moat-registry-process-" + std::to_string(random()));
    fs::create_directories(scratch_);
    fs::path ready = scratch_ / "ready";
    std::vector<std::string> argv = {MOAT_BINARY, "serve", "--listen", "127.0.0.1:0",
                                     "--data", data_dir.string(), "--ready-file", ready.string()};
    // Accounts when the test gives an admin password; otherwise everyone may do everything.
    if (std::find(extra.begin(), extra.end(), "--admin-password-file") == extra.end()) argv.push_back("--no-auth");
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::string log = (scratch_ / "stderr").string();
    pid_ = ::fork();
    if (pid_ == 0) {
        FILE* err = std::freopen(log.c_str(), "w", stderr);
        (void)err;
        FILE* out = std::freopen("/dev/null", "w", stdout);
        (void)out;
        std::vector<char*> args;
        for (auto& arg : argv) args.push_back(arg.data());
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    for (int attempt = 0; attempt < 200; ++attempt) {
        std::ifstream in(ready);
        std::string address;
        if (in >> address && !address.empty()) {
            address_ = address;
            return;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

RegistryProcess::~RegistryProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        for (int attempt = 0; attempt < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++attempt)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (::waitpid(pid_, &status, WNOHANG) == 0) kill_hard();
    }
    std::error_code ec;
    fs::remove_all(scratch_, ec);
}

std::string RegistryProcess::log() const {
    std::ifstream in(scratch_ / "stderr");
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void RegistryProcess::kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

HttpReply http_exchange(const std::string& address, const std::string& method, const std::string& target,
                        const std::string& body, const std::vector<std::string>& headers) {
    HttpReply reply;
    int fd = connect_to(address);
    if (fd < 0) return reply;
    bool sent = send_all(fd, request_head(method, target, body.size(), headers)) && send_all(fd, body);
    std::string raw;
    char buffer[65536];
    ssize_t got;
    while (sent && (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0) raw.append(buffer, static_cast<size_t>(got));
    ::close(fd);
    size_t end = raw.find("\r\n\r\n");
    if (end == std::string::npos || raw.size() < 12) return reply;
    reply.status = std::stoi(raw.substr(9, 3));
    std::istringstream lines(raw.substr(0, end));
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        reply.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    reply.body = raw.substr(end + 4);
    return reply;
}

HalfSentRequest::HalfSentRequest(const std::string& address, const std::string& method, const std::string& target,
                                 uint64_t content_length, const std::string& partial_body,
                                 const std::vector<std::string>& headers) {
    fd_ = connect_to(address);
    if (fd_ < 0) return;
    if (!send_all(fd_, request_head(method, target, content_length, headers)) || !send_all(fd_, partial_body)) {
        ::close(fd_);
        fd_ = -1;
    }
}

HalfSentRequest::~HalfSentRequest() {
    if (fd_ >= 0) ::close(fd_);
}

std::string sha256_hex_of_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    Sha256 hash;
    char buffer[65536];
    while (in) {
        in.read(buffer, sizeof buffer);
        hash.update(buffer, static_cast<size_t>(in.gcount()));
    }
    return std::string(digest_hex(hash.finish_digest()));
}

}  // namespace moat::testing
