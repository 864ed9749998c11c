// Test support for the registry: runs the real `moat serve` binary on a free loopback port
// and talks raw HTTP/1.1 to it (so a test can also leave a request half sent).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace moat::testing {

class RegistryProcess {
public:
    // Starts `moat serve --no-auth --listen 127.0.0.1:0 --data DATA` plus `extra` arguments and
    // waits until it listens; address() is empty when it did not start. With
    // --admin-password-file among `extra`, accounts apply (no --no-auth).
    RegistryProcess(const std::filesystem::path& data_dir, const std::vector<std::string>& extra = {});
    ~RegistryProcess();
    RegistryProcess(const RegistryProcess&) = delete;
    RegistryProcess& operator=(const RegistryProcess&) = delete;

    const std::string& address() const { return address_; }  // "127.0.0.1:PORT"
    std::string log() const;                                 // what it printed on stderr
    void kill_hard();                                        // SIGKILL, reaped

private:
    pid_t pid_ = -1;
    std::string address_;
    std::filesystem::path scratch_;
};

struct HttpReply {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lowercased
    std::string body;
};

// One request on a fresh connection (Connection: close). status is 0 when the exchange failed.
HttpReply http_exchange(const std::string& address, const std::string& method, const std::string& target,
                        const std::string& body = {}, const std::vector<std::string>& headers = {});

// A connection on which a request is being sent: the header and part of the body, the rest never.
class HalfSentRequest {
public:
    HalfSentRequest(const std::string& address, const std::string& method, const std::string& target,
                    uint64_t content_length, const std::string& partial_body,
                    const std::vector<std::string>& headers = {});
    ~HalfSentRequest();
    bool sent() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

std::string sha256_hex_of_file(const std::filesystem::path& path);

}  // namespace moat::testing
