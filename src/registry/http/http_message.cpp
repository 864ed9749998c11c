#include "registry/http/http_message.h"

#include <strings.h>

namespace moat::registry {

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Form-style decoding of a query component: %XX and '+' for space; a malformed escape is kept.
std::string decode_query_component(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() &&
                   hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::string_view find_header(const HeaderList& headers, std::string_view name) {
    for (const auto& [key, value] : headers)
        if (equals_ignoring_case(key, name)) return value;
    return {};
}

Result<std::string> read_body(RequestBody& body, size_t limit) {
    std::string out;
    char buffer[64 * 1024];
    bool too_long = false;
    for (;;) {
        auto got = body.read(buffer, sizeof buffer);
        if (!got) return got.error();
        if (*got == 0) break;
        if (!too_long && out.size() + *got > limit) too_long = true;
        if (!too_long) out.append(buffer, *got);
    }
    if (too_long) return Error{"request body is larger than " + std::to_string(limit) + " bytes"};
    return out;
}

std::optional<std::string> HttpRequest::query_parameter(std::string_view name) const {
    std::string_view rest = raw_query;
    while (!rest.empty()) {
        size_t amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        size_t eq = pair.find('=');
        std::string key = decode_query_component(pair.substr(0, eq));
        if (key != name) continue;
        return eq == std::string_view::npos ? std::string{} : decode_query_component(pair.substr(eq + 1));
    }
    return std::nullopt;
}

void HttpResponse::set_header(std::string name, std::string value) {
    for (auto& [key, existing] : headers) {
        if (equals_ignoring_case(key, name)) {
            existing = std::move(value);
            return;
        }
    }
    headers.emplace_back(std::move(name), std::move(value));
}

HttpResponse HttpResponse::json(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.headers.emplace_back("Content-Type", "application/json");
    response.body = std::move(body);
    return response;
}

}  // namespace moat::registry
