#include "analyze/lang/python/installed_metadata.h"

#include <fmt/format.h>

#include <algorithm>
#include <strings.h>

#include "analyze/lang/python/python_text.h"

namespace moat {
namespace {

using python::to_valid_utf8;
using python::trim;

// A real header block has a few dozen fields; a file of millions of tiny header lines is
// hostile, and nothing past this many is needed.
constexpr size_t kMaxHeaderLines = 20000;

struct Header {
    std::string_view key;
    std::string value;  // continuation lines joined with one space, as RFC 822 unfolding does
};

bool same_key(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::vector<Header> read_header_block(std::string_view text, std::vector<std::string>& warnings) {
    std::vector<Header> headers;
    size_t line_count = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;  // the description starts here
        if (++line_count > kMaxHeaderLines) {
            warnings.push_back(fmt::format("more than {} header lines; the rest is ignored",
                                           kMaxHeaderLines));
            break;
        }
        if (line.front() == ' ' || line.front() == '\t') {
            if (!headers.empty()) {
                const auto folded = trim(line);
                if (!folded.empty()) {
                    if (!headers.back().value.empty()) headers.back().value += ' ';
                    headers.back().value.append(folded);
                }
            }
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;  // not a header; tolerated like pip does
        headers.push_back(Header{trim(line.substr(0, colon)), std::string(trim(line.substr(colon + 1)))});
    }
    return headers;
}

const std::string* first_value(const std::vector<Header>& headers, std::string_view key) {
    for (const auto& header : headers)
        if (same_key(header.key, key) && !header.value.empty()) return &header.value;
    return nullptr;
}

// "License :: OSI Approved :: MIT License" -> "MIT License"; "License :: OSI Approved" names no
// license and gives nothing.
std::optional<std::string_view> classifier_license(std::string_view classifier) {
    constexpr std::string_view kPrefix = "License :: ";
    if (!classifier.starts_with(kPrefix)) return std::nullopt;
    const auto separator = classifier.rfind(" :: ");
    const auto last = trim(classifier.substr(separator + 4));
    if (last.empty() || last == "OSI Approved") return std::nullopt;
    return last;
}

std::vector<std::string> licenses_of(const std::vector<Header>& headers) {
    if (const auto* expression = first_value(headers, "License-Expression"))
        return {to_valid_utf8(*expression)};
    std::vector<std::string> licenses;
    for (const auto& header : headers) {
        if (!same_key(header.key, "Classifier")) continue;
        if (const auto license = classifier_license(header.value)) {
            auto name = to_valid_utf8(*license);
            if (std::find(licenses.begin(), licenses.end(), name) == licenses.end())
                licenses.push_back(std::move(name));
        }
    }
    if (!licenses.empty()) return licenses;
    if (const auto* license = first_value(headers, "License")) return {to_valid_utf8(*license)};
    if (const auto* file = first_value(headers, "License-File"))
        return {"file://" + to_valid_utf8(*file)};
    return {};
}

}  // namespace

std::optional<Package> parse_python_metadata(std::string_view text,
                                             std::vector<std::string>& warnings) {
    const auto headers = read_header_block(text, warnings);
    const auto* name = first_value(headers, "Name");
    const auto* version = first_value(headers, "Version");
    if (!name || !version) {
        warnings.push_back(fmt::format("no {} header; not a core-metadata file", name ? "Version" : "Name"));
        return std::nullopt;
    }
    Package package;
    package.type = "pypi";
    package.name = to_valid_utf8(*name);
    package.version = to_valid_utf8(*version);
    package.licenses = licenses_of(headers);
    return package;
}

}  // namespace moat
