// The HTTP request and response that every registry handler sees: the seam between the server
// (connections, TLS, framing, sendfile) and the registry's logic (distribution API, auth, API).
// Handlers are synchronous; the server gives each request its own thread of control, so a
// handler may stream a large request body (a blob upload) straight to disk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace moat::registry {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup (first match); empty when absent.
std::string_view find_header(const HeaderList& headers, std::string_view name);

// The request body, read as it arrives. read() returns 0 at its end; an Error when the peer
// went away or sent a malformed chunk.
class RequestBody {
public:
    virtual ~RequestBody() = default;
    virtual Result<size_t> read(char* buffer, size_t capacity) = 0;
    // Content-Length when the request declared one (absent for chunked transfer encoding).
    virtual std::optional<uint64_t> declared_length() const = 0;
};

// Reads a whole body into memory; an Error when it is longer than `limit` (the rest is
// drained, so the connection stays usable).
Result<std::string> read_body(RequestBody& body, size_t limit);

struct HttpRequest {
    std::string method;          // "GET", "HEAD", "PUT", ...
    std::string path;            // percent-decoded path, e.g. "/v2/team/app/manifests/latest"
    std::string raw_query;       // after '?', not decoded; parse with query_parameter()
    HeaderList headers;
    RequestBody* body = nullptr;  // never null when a handler runs
    std::string remote_address;   // "127.0.0.1:53122"
    bool tls = false;

    std::string_view header(std::string_view name) const { return find_header(headers, name); }
    // The decoded value of query parameter `name`, if present.
    std::optional<std::string> query_parameter(std::string_view name) const;
};

// A response body taken from a file: the server sends it without copying through user space
// (sendfile) where the connection allows (plain TCP), and by reads otherwise (TLS).
struct FileRange {
    std::filesystem::path path;
    uint64_t offset = 0;
    uint64_t length = 0;
};

struct HttpResponse {
    int status = 200;
    HeaderList headers;
    std::string body;              // used when `file` is empty
    std::optional<FileRange> file;

    // For HEAD the server sends the headers only, keeping the Content-Length of the body the
    // handler described; handlers answer HEAD as they would GET.
    void set_header(std::string name, std::string value);
    static HttpResponse json(int status, std::string body);
};

using HttpHandler = std::function<HttpResponse(HttpRequest&)>;

}  // namespace moat::registry
