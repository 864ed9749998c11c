// Test support: a loopback HTTP/1.1 receiver on a kernel-picked port that records every request
// (method, target, headers, body) and answers each with the next status of a script (the last
// one repeats). One request per connection (Connection: close), as webhook senders use it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace moat::testing {

struct ReceivedRequest {
    std::string method, target, body;
    std::map<std::string, std::string> headers;  // names lowercased
};

class HttpReceiver {
public:
    explicit HttpReceiver(std::vector<int> statuses) : statuses_(std::move(statuses)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
        ::listen(listener_, 16);
        socklen_t length = sizeof address;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~HttpReceiver() {
        stopping_ = true;
        thread_.join();
        ::close(listener_);
    }
    std::string url(const std::string& path = "/hook") const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    std::vector<ReceivedRequest> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    // Waits up to `timeout` until `count` requests arrived.
    bool wait_for(size_t count, std::chrono::seconds timeout) {
        std::unique_lock lock(mutex_);
        return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
    }

private:
    void serve() {
        while (!stopping_) {
            pollfd ready{listener_, POLLIN, 0};
            if (::poll(&ready, 1, 50) <= 0) continue;
            int fd = ::accept(listener_, nullptr, nullptr);
            if (fd < 0) continue;
            handle(fd);
            ::close(fd);
        }
    }
    void handle(int fd) {
        std::string data;
        char buffer[4096];
        size_t header_end = std::string::npos;
        size_t wanted = 0;
        for (;;) {
            pollfd ready{fd, POLLIN, 0};
            if (::poll(&ready, 1, 5000) <= 0) return;
            ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
            if (got <= 0) return;
            data.append(buffer, static_cast<size_t>(got));
            if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
                std::string lower = data.substr(0, header_end);
                std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
                size_t at = lower.find("content-length:");
                wanted = at == std::string::npos ? 0 : std::strtoul(lower.c_str() + at + 15, nullptr, 10);
            }
            if (header_end != std::string::npos && data.size() >= header_end + 4 + wanted) break;
        }
        ReceivedRequest request;
        size_t line_end = data.find("\r\n");
        std::string first = data.substr(0, line_end);
        request.method = first.substr(0, first.find(' '));
        request.target = first.substr(first.find(' ') + 1, first.rfind(' ') - first.find(' ') - 1);
        for (size_t at = line_end + 2; at < header_end;) {
            size_t end = data.find("\r\n", at);
            std::string line = data.substr(at, end - at);
            size_t colon = line.find(':');
            if (colon != std::string::npos) {
                std::string name = line.substr(0, colon);
                std::transform(name.begin(), name.end(), name.begin(), ::tolower);
                request.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
            }
            at = end + 2;
        }
        request.body = data.substr(header_end + 4, wanted);
        int status;
        {
            std::lock_guard lock(mutex_);
            status = statuses_.empty() ? 200 : statuses_[std::min(requests_.size(), statuses_.size() - 1)];
            requests_.push_back(std::move(request));
        }
        arrived_.notify_all();
        std::string reply = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    }

    std::vector<int> statuses_;
    int listener_ = -1;
    uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<ReceivedRequest> requests_;
    std::thread thread_;
};

}  // namespace moat::testing
