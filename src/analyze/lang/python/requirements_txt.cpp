#include "analyze/lang/python/requirements_txt.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "analyze/lang/python/python_text.h"

namespace moat {
namespace {

using python::trim;

// A joined logical line longer than this is not a requirement anyone wrote (a hash list of a
// few hundred wheels stays far below it).
constexpr size_t kMaxLogicalLine = 1 << 20;

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

// "name[extras] == 1.0 , <2" -> the version of the `==`/`===` clause, or "" when none pins one.
std::string_view pinned_version(std::string_view specifiers) {
    while (!specifiers.empty()) {
        const auto comma = specifiers.find(',');
        const auto clause = trim(specifiers.substr(0, comma));
        specifiers.remove_prefix(comma == std::string_view::npos ? specifiers.size() : comma + 1);
        if (clause.starts_with("===")) return trim(clause.substr(3));
        if (clause.starts_with("==")) return trim(clause.substr(2));
    }
    return {};
}

// One logical line, comments already removed.
void read_requirement(std::string_view line, std::vector<Package>& out) {
    line = trim(line);
    if (line.empty() || line.front() == '-') return;  // -r, -c, -e, --index-url, a lone --hash
    line = line.substr(0, line.find(';'));            // environment marker
    size_t name_end = 0;
    while (name_end < line.size() && is_name_char(line[name_end])) ++name_end;
    const auto name = line.substr(0, name_end);
    if (!python::is_distribution_name(name)) return;
    auto rest = trim(line.substr(name_end));
    if (rest.starts_with('[')) {  // extras
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return;
        rest = trim(rest.substr(close + 1));
    }
    // Per-requirement options (--hash=..., --global-option) follow the specifiers.
    if (const auto option = rest.find("--"); option != std::string_view::npos)
        rest = rest.substr(0, option);
    std::string compact;  // "== 1.0" and "==1.0" alike
    std::copy_if(rest.begin(), rest.end(), std::back_inserter(compact),
                 [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
    const auto version = pinned_version(compact);
    if (!python::is_pinned_version(version)) return;  // unpinned, wildcard or not a version
    Package package;
    package.type = "pypi";
    package.name = std::string(name);
    package.version = std::string(version);
    out.push_back(std::move(package));
}

}  // namespace

std::vector<Package> parse_requirements_txt(std::string_view bytes,
                                            std::vector<std::string>& warnings) {
    const std::string decoded = python::decode_bom_text(bytes);
    std::string_view text = decoded;
    std::vector<Package> packages;
    std::string logical;
    size_t line_number = 0, logical_start = 0;
    bool truncated_warned = false;
    while (!text.empty()) {
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        ++line_number;
        if (logical.empty()) logical_start = line_number;
        // Trivy cuts at any '#', pip only at one after whitespace; "pkg==1.0#note" pins 1.0 in
        // Trivy, and a '#' is never part of a name or version.
        line = line.substr(0, line.find('#'));
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        const bool continues = !line.empty() && line.back() == '\\';
        if (continues) line.remove_suffix(1);
        if (logical.size() + line.size() > kMaxLogicalLine) {
            if (!truncated_warned)
                warnings.push_back(fmt::format("line {}: continued line longer than {} bytes, cut",
                                               logical_start, kMaxLogicalLine));
            truncated_warned = true;
        } else {
            logical.append(line);
            logical += ' ';
        }
        if (continues && !text.empty()) continue;
        read_requirement(logical, packages);
        logical.clear();
    }
    return packages;
}

}  // namespace moat
