#include "registry/http/http_server.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <strings.h>
#include <limits>
#include <list>
#include <mutex>
#include <thread>
#include <type_traits>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

namespace moat::registry {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Bytes of a request body the server reads and discards after a handler that left it unread,
// so the connection can serve the next request; a longer leftover closes the connection.
constexpr uint64_t kMaxDrainBytes = 1024 * 1024;
constexpr size_t kFileChunk = 256 * 1024;

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode_path(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

}  // namespace

// A connection as the watchdog sees it: its socket and the moment it must have made progress by.
struct ConnectionEntry {
    int fd = -1;
    std::atomic<int64_t> deadline_ns{0};
    void arm(std::chrono::seconds timeout) {
        deadline_ns = (Clock::now() + timeout).time_since_epoch().count();
    }
};

struct HttpServer::Impl {
    HttpServerOptions options;
    HttpHandler handler;
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::unique_ptr<asio::ssl::context> tls;
    std::atomic<bool> stopping{false};

    std::mutex connections_mutex;
    std::condition_variable connections_ended;
    std::list<ConnectionEntry*> connections;
    std::thread watchdog;

    void watch() {
        std::unique_lock lock(connections_mutex);
        while (!stopping) {
            connections_ended.wait_for(lock, std::chrono::milliseconds(500));
            int64_t now = Clock::now().time_since_epoch().count();
            for (ConnectionEntry* entry : connections)
                if (entry->fd >= 0 && entry->deadline_ns.load() < now) ::shutdown(entry->fd, SHUT_RDWR);
        }
    }

    void unregister_connection(ConnectionEntry* entry) {
        std::lock_guard lock(connections_mutex);
        connections.remove(entry);
        connections_ended.notify_all();
    }

    void serve_socket(std::unique_ptr<tcp::socket> socket, ConnectionEntry& entry);
    template <class Stream>
    void serve_requests(Stream& stream, ConnectionEntry& entry, const std::string& remote, bool is_tls);
};

namespace {

// The request body as the handler reads it: pulled from the parser in chunks on demand.
template <class Stream>
class StreamedBody final : public RequestBody {
public:
    StreamedBody(Stream& stream, beast::flat_buffer& buffer, http::request_parser<http::buffer_body>& parser,
                 ConnectionEntry& entry, std::chrono::seconds timeout, bool expect_continue)
        : stream_(stream), buffer_(buffer), parser_(parser), entry_(entry), timeout_(timeout),
          expect_continue_(expect_continue) {}

    Result<size_t> read(char* out, size_t capacity) override {
        if (failed_) return Error{"the request body could not be read"};
        if (parser_.is_done() || capacity == 0) return size_t{0};
        if (expect_continue_) {
            expect_continue_ = false;
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            beast::error_code ec;
            entry_.arm(timeout_);
            asio::write(stream_, asio::buffer(kContinue.data(), kContinue.size()), ec);
            if (ec) return fail(ec);
        }
        auto& body = parser_.get().body();
        body.data = out;
        body.size = capacity;
        beast::error_code ec;
        entry_.arm(timeout_);
        http::read(stream_, buffer_, parser_, ec);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) return fail(ec);
        return capacity - body.size;
    }

    std::optional<uint64_t> declared_length() const override {
        auto length = parser_.content_length();
        if (!length) return std::nullopt;
        return *length;
    }

    // Reads what the handler left, up to a limit; false when the connection cannot continue.
    bool drain() {
        if (failed_) return false;
        if (parser_.is_done()) return true;
        if (expect_continue_) return false;  // the client has not sent it: close instead of inviting it
        char sink[16 * 1024];
        uint64_t drained = 0;
        while (!parser_.is_done()) {
            auto got = read(sink, sizeof sink);
            if (!got) return false;
            drained += *got;
            if (drained > kMaxDrainBytes) return false;
        }
        return true;
    }

private:
    Error fail(const beast::error_code& ec) {
        failed_ = true;
        return Error{"request body: " + ec.message()};
    }

    Stream& stream_;
    beast::flat_buffer& buffer_;
    http::request_parser<http::buffer_body>& parser_;
    ConnectionEntry& entry_;
    std::chrono::seconds timeout_;
    bool expect_continue_;
    bool failed_ = false;
};

template <class Stream>
bool write_all(Stream& stream, ConnectionEntry& entry, std::chrono::seconds timeout,
               const std::vector<asio::const_buffer>& buffers) {
    beast::error_code ec;
    entry.arm(timeout);
    asio::write(stream, buffers, ec);
    return !ec;
}

template <class Stream>
bool send_file(Stream& stream, ConnectionEntry& entry, std::chrono::seconds timeout, int file, uint64_t offset,
               uint64_t length) {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
        // Plain TCP: the kernel copies file pages to the socket without a trip through user space.
        off_t position = static_cast<off_t>(offset);
        uint64_t left = length;
        while (left > 0) {
            entry.arm(timeout);
            ssize_t sent = ::sendfile(stream.native_handle(), file, &position, std::min<uint64_t>(left, 1 << 30));
            if (sent < 0 && errno == EINTR) continue;
            if (sent <= 0) return false;
            left -= static_cast<uint64_t>(sent);
        }
        return true;
    } else {
        std::vector<char> buffer(kFileChunk);
        uint64_t position = offset, left = length;
        while (left > 0) {
            ssize_t got = ::pread(file, buffer.data(), std::min<uint64_t>(left, buffer.size()),
                                  static_cast<off_t>(position));
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) return false;
            if (!write_all(stream, entry, timeout, {asio::buffer(buffer.data(), static_cast<size_t>(got))}))
                return false;
            position += static_cast<uint64_t>(got);
            left -= static_cast<uint64_t>(got);
        }
        return true;
    }
}

std::string reason_phrase(int status) {
    auto reason = http::obsolete_reason(static_cast<http::status>(status));
    return std::string(reason.data(), reason.size());
}

std::string response_head(const HttpResponse& response, uint64_t content_length, bool keep_alive) {
    std::string head = fmt::format("HTTP/1.1 {} {}\r\n", response.status,
                                   reason_phrase(response.status));
    for (const auto& [name, value] : response.headers) {
        if (strcasecmp(name.c_str(), "Content-Length") == 0 || strcasecmp(name.c_str(), "Connection") == 0) continue;
        // A handler's header value never splits the response.
        if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
            continue;
        head += name;
        head += ": ";
        head += value;
        head += "\r\n";
    }
    bool no_body = response.status == 204 || response.status == 304 || (response.status >= 100 && response.status < 200);
    if (!no_body) head += fmt::format("Content-Length: {}\r\n", content_length);
    if (!keep_alive) head += "Connection: close\r\n";
    head += "\r\n";
    return head;
}

HttpResponse plain_error(int status, std::string_view message) {
    HttpResponse response;
    response.status = status;
    response.headers.emplace_back("Content-Type", "text/plain");
    response.body = std::string(message) + "\n";
    return response;
}

}  // namespace

template <class Stream>
void HttpServer::Impl::serve_requests(Stream& stream, ConnectionEntry& entry, const std::string& remote, bool is_tls) {
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::buffer_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // handlers cap what they read into memory
        beast::error_code ec;
        entry.arm(options.idle_timeout);
        http::read_header(stream, buffer, parser, ec);
        // A zero-length body completes with the header, before any body buffer was offered.
        if (ec == http::error::need_buffer) ec = {};
        if (ec) {
            if (ec != http::error::end_of_stream && ec != asio::error::eof && ec != asio::error::connection_reset &&
                ec != asio::ssl::error::stream_truncated && !stopping && buffer.size() > 0) {
                auto refused = plain_error(ec == http::error::header_limit ? 431 : 400, "malformed request");
                std::string head = response_head(refused, refused.body.size(), false);
                write_all(stream, entry, options.io_timeout, {asio::buffer(head), asio::buffer(refused.body)});
            }
            return;
        }
        auto& message = parser.get();
        HttpRequest request;
        request.method = std::string(message.method_string());
        std::string_view target(message.target().data(), message.target().size());
        size_t question = target.find('?');
        request.path = percent_decode_path(target.substr(0, question));
        if (question != std::string_view::npos) request.raw_query = std::string(target.substr(question + 1));
        for (const auto& field : message)
            request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        request.remote_address = remote;
        request.tls = is_tls;
        bool expect_continue = strcasecmp(std::string(request.header("Expect")).c_str(), "100-continue") == 0;
        StreamedBody<Stream> body(stream, buffer, parser, entry, options.io_timeout, expect_continue);
        request.body = &body;

        HttpResponse response = handler(request);
        bool keep_alive = message.keep_alive() && !stopping && body.drain();
        bool head_only = request.method == "HEAD";

        int file = -1;
        uint64_t length = response.body.size();
        if (response.file) {
            file = ::open(response.file->path.c_str(), O_RDONLY | O_CLOEXEC);
            if (file < 0) {
                response = plain_error(500, "the stored file could not be opened");
                length = response.body.size();
            } else {
                length = response.file->length;
            }
        }
        std::string head = response_head(response, length, keep_alive);
        bool sent;
        if (head_only) {
            sent = write_all(stream, entry, options.io_timeout, {asio::buffer(head)});
        } else if (file >= 0) {
            sent = write_all(stream, entry, options.io_timeout, {asio::buffer(head)}) &&
                   send_file(stream, entry, options.io_timeout, file, response.file->offset, length);
        } else {
            sent = write_all(stream, entry, options.io_timeout, {asio::buffer(head), asio::buffer(response.body)});
        }
        if (file >= 0) ::close(file);
        if (!sent || !keep_alive) return;
    }
}

void HttpServer::Impl::serve_socket(std::unique_ptr<tcp::socket> socket, ConnectionEntry& entry) {
    // The watchdog must not shut down a descriptor number that was closed and reused.
    auto forget_descriptor = [&] {
        std::lock_guard lock(connections_mutex);
        entry.fd = -1;
    };
    beast::error_code ec;
    socket->set_option(tcp::no_delay(true), ec);
    std::string remote;
    if (auto endpoint = socket->remote_endpoint(ec); !ec)
        remote = fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
    if (tls) {
        asio::ssl::stream<tcp::socket> stream(std::move(*socket), *tls);
        stream.handshake(asio::ssl::stream_base::server, ec);
        if (!ec) {
            serve_requests(stream, entry, remote, true);
            entry.arm(std::chrono::seconds(5));
            stream.shutdown(ec);
        }
        forget_descriptor();
        stream.next_layer().close(ec);
    } else {
        serve_requests(*socket, entry, remote, false);
        socket->shutdown(tcp::socket::shutdown_send, ec);
        forget_descriptor();
        socket->close(ec);
    }
    // Sockets use the io_context's services: all of them are gone before run() may return.
    socket.reset();
    unregister_connection(&entry);
}

Result<std::pair<std::string, uint16_t>> split_listen_address(std::string_view address) {
    size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) return Error{fmt::format("listen address {}: expected HOST:PORT", address)};
    std::string host(address.substr(0, colon));
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    std::string_view port_text = address.substr(colon + 1);
    unsigned port = 0;
    if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string_view::npos ||
        (port = static_cast<unsigned>(std::stoul(std::string(port_text)))) > 65535)
        return Error{fmt::format("listen address {}: invalid port", address)};
    if (host.empty()) host = "0.0.0.0";
    return std::pair{host, static_cast<uint16_t>(port)};
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost") return true;
    beast::error_code ec;
    auto address = asio::ip::make_address(std::string(host), ec);
    return !ec && address.is_loopback();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
    stop();
    if (impl_->watchdog.joinable()) impl_->watchdog.join();
}

Result<std::unique_ptr<HttpServer>> HttpServer::bind(const HttpServerOptions& options, HttpHandler handler) {
    auto address = split_listen_address(options.listen);
    if (!address) return address.error();
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->handler = std::move(handler);
    beast::error_code ec;
    std::string host = address->first == "localhost" ? "127.0.0.1" : address->first;
    auto ip = asio::ip::make_address(host, ec);
    if (ec) return Error{fmt::format("listen address {}: {} is not an IP address", options.listen, host)};
    tcp::endpoint endpoint(ip, address->second);
    impl->acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl->acceptor.bind(endpoint, ec);
    if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error{fmt::format("listen on {}: {}", options.listen, ec.message())};
    if (!options.tls_cert.empty() || !options.tls_key.empty()) {
        if (options.tls_cert.empty() || options.tls_key.empty())
            return Error{"TLS needs both a certificate and a key file"};
        impl->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        impl->tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                               asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                               asio::ssl::context::no_tlsv1_1);
        impl->tls->use_certificate_chain_file(options.tls_cert.string(), ec);
        if (ec) return Error{fmt::format("{}: {}", options.tls_cert.string(), ec.message())};
        impl->tls->use_private_key_file(options.tls_key.string(), asio::ssl::context::pem, ec);
        if (ec) return Error{fmt::format("{}: {}", options.tls_key.string(), ec.message())};
    }
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::string HttpServer::bound_address() const {
    beast::error_code ec;
    auto endpoint = impl_->acceptor.local_endpoint(ec);
    if (endpoint.address().is_v6()) return fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port());
    return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

uint16_t HttpServer::port() const {
    beast::error_code ec;
    return impl_->acceptor.local_endpoint(ec).port();
}

bool HttpServer::tls() const { return impl_->tls != nullptr; }

void HttpServer::run() {
    Impl& impl = *impl_;
    impl.watchdog = std::thread([&impl] { impl.watch(); });
    while (!impl.stopping) {
        tcp::socket socket(impl.io);
        beast::error_code ec;
        impl.acceptor.accept(socket, ec);
        if (impl.stopping) break;
        if (ec) {
            if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        // Registered before its thread starts, so run() cannot return while the thread still
        // needs this object.
        auto entry = std::make_unique<ConnectionEntry>();
        entry->fd = socket.native_handle();
        entry->arm(impl.options.io_timeout);
        {
            std::lock_guard lock(impl.connections_mutex);
            if (impl.connections.size() >= impl.options.max_connections) continue;  // socket closes here
            impl.connections.push_back(entry.get());
        }
        std::thread([&impl, s = std::make_unique<tcp::socket>(std::move(socket)), e = std::move(entry)]() mutable {
            impl.serve_socket(std::move(s), *e);
        }).detach();
    }
    // Wait for the connection threads: they use this object.
    std::unique_lock lock(impl.connections_mutex);
    for (ConnectionEntry* entry : impl.connections)
        if (entry->fd >= 0) ::shutdown(entry->fd, SHUT_RDWR);
    impl.connections_ended.wait(lock, [&impl] { return impl.connections.empty(); });
}

void HttpServer::stop() {
    if (impl_->stopping.exchange(true)) return;
    // Wakes the accept() blocked in run().
    ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
    std::lock_guard lock(impl_->connections_mutex);
    impl_->connections_ended.notify_all();
}

}  // namespace moat::registry
