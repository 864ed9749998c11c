// An HTTP/1.1 server (Boost.Beast parsing over blocking Asio sockets, optional TLS via OpenSSL):
// one thread per connection, keep-alive, streaming request bodies, file responses sent with
// sendfile(2) on plain TCP. A watchdog closes connections that make no progress, so a slow or
// silent client cannot hold a thread for ever.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "registry/http/http_message.h"
#include "util/result.h"

namespace moat::registry {

struct HttpServerOptions {
    std::string listen = "127.0.0.1:5000";  // HOST:PORT, port 0 picks a free port
    std::filesystem::path tls_cert;         // both set: serve HTTPS
    std::filesystem::path tls_key;
    size_t max_connections = 512;
    size_t max_header_bytes = 64 * 1024;
    std::chrono::seconds idle_timeout{60};   // waiting for the next request on a kept-alive connection
    std::chrono::seconds io_timeout{120};    // a read or write that moves no bytes for this long
};

class HttpServer {
public:
    // Binds the address (and loads the TLS files); requests are served once run() is called.
    static Result<std::unique_ptr<HttpServer>> bind(const HttpServerOptions& options, HttpHandler handler);
    ~HttpServer();

    std::string bound_address() const;  // "127.0.0.1:41234"
    uint16_t port() const;
    bool tls() const;

    // Accepts connections until stop(); returns after the connections have ended.
    void run();
    // Safe from any thread (or a signal-watching thread).
    void stop();

    struct Impl;

private:
    explicit HttpServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Splits "host:port" (or "[v6]:port"); an error names the text.
Result<std::pair<std::string, uint16_t>> split_listen_address(std::string_view address);
// Whether a listen host is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback_host(std::string_view host);

}  // namespace moat::registry
