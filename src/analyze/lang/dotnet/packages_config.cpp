#include "analyze/lang/dotnet/packages_config.h"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <set>
#include <utility>

#include "analyze/lang/lock_text.h"

namespace moat {
namespace {

constexpr std::string_view kFileName = "packages.config";
constexpr std::string_view kFileSuffix = "/packages.config";
constexpr size_t kMaxFileBytes = 8u << 20;
constexpr size_t kMaxAttributes = 64;

bool is_xml_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// An attribute value with its entity and character references decoded; an unknown or broken
// reference is kept as written.
std::string decode_entities(std::string_view raw) {
    static const std::map<std::string_view, char> kNamed = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    std::string out;
    for (size_t at = 0; at < raw.size(); ++at) {
        const auto semicolon = raw[at] == '&' ? raw.find(';', at) : std::string_view::npos;
        if (semicolon == std::string_view::npos || semicolon - at > 10) {
            out.push_back(raw[at]);
            continue;
        }
        const auto entity = raw.substr(at + 1, semicolon - at - 1);
        if (const auto named = kNamed.find(entity); named != kNamed.end()) {
            out.push_back(named->second);
            at = semicolon;
            continue;
        }
        if (entity.size() > 1 && entity[0] == '#') {
            const bool hex = entity[1] == 'x' || entity[1] == 'X';
            const auto digits = entity.substr(hex ? 2 : 1);
            uint32_t code_point = 0;
            const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(),
                                                      code_point, hex ? 16 : 10);
            if (!digits.empty() && error == std::errc{} && end == digits.data() + digits.size() &&
                code_point != 0 && code_point <= 0x10FFFF) {
                append_utf8(out, code_point);
                at = semicolon;
                continue;
            }
        }
        out.push_back(raw[at]);
    }
    return out;
}

// Reads the attributes of the element whose name ends at `pos`, up to its '>' ; `pos` is left
// after it. nullopt when the tag is malformed.
std::optional<std::map<std::string, std::string>> read_attributes(std::string_view text,
                                                                  size_t& pos) {
    std::map<std::string, std::string> attributes;
    while (attributes.size() <= kMaxAttributes) {
        while (pos < text.size() && is_xml_space(text[pos])) ++pos;
        if (pos >= text.size()) return std::nullopt;
        if (text[pos] == '>') {
            ++pos;
            return attributes;
        }
        if (text.substr(pos).starts_with("/>")) {
            pos += 2;
            return attributes;
        }
        const size_t name_start = pos;
        while (pos < text.size() && !is_xml_space(text[pos]) && text[pos] != '=' &&
               text[pos] != '>' && text[pos] != '/')
            ++pos;
        const auto name = text.substr(name_start, pos - name_start);
        while (pos < text.size() && is_xml_space(text[pos])) ++pos;
        if (name.empty() || pos >= text.size() || text[pos] != '=') return std::nullopt;
        ++pos;
        while (pos < text.size() && is_xml_space(text[pos])) ++pos;
        if (pos >= text.size() || (text[pos] != '"' && text[pos] != '\'')) return std::nullopt;
        const char quote = text[pos++];
        const auto close = text.find(quote, pos);
        if (close == std::string_view::npos) return std::nullopt;
        attributes.emplace(name, decode_entities(text.substr(pos, close - pos)));
        pos = close + 1;
    }
    return std::nullopt;
}

// Skips what starts at `pos` if it is a comment, CDATA section, processing instruction or
// declaration; false when something else starts there.
bool skip_markup(std::string_view text, size_t& pos) {
    static constexpr std::pair<std::string_view, std::string_view> kMarkup[] = {
        {"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}, {"<!", ">"}};
    for (const auto& [open, close] : kMarkup) {
        if (!text.substr(pos).starts_with(open)) continue;
        const auto end = text.find(close, pos + open.size());
        pos = end == std::string_view::npos ? text.size() : end + close.size();
        return true;
    }
    return false;
}

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && is_xml_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_xml_space(text.back())) text.remove_suffix(1);
    return text;
}

}  // namespace

std::vector<Package> parse_packages_config(std::string_view text,
                                           std::vector<std::string>& warnings) {
    constexpr std::string_view kElement = "<package";
    std::vector<Package> packages;
    std::set<std::pair<std::string, std::string>> seen;
    size_t pos = 0;
    while ((pos = text.find('<', pos)) != std::string_view::npos) {
        if (skip_markup(text, pos)) continue;
        const bool is_package =
            text.substr(pos).starts_with(kElement) && pos + kElement.size() < text.size() &&
            (is_xml_space(text[pos + kElement.size()]) || text[pos + kElement.size()] == '/' ||
             text[pos + kElement.size()] == '>');
        if (!is_package) {
            ++pos;
            continue;
        }
        const size_t element_start = pos;
        pos += kElement.size();
        const auto attributes = read_attributes(text, pos);
        if (!attributes) {
            warnings.push_back(
                fmt::format("malformed <package> element at byte {}; skipped", element_start));
            pos = element_start + 1;
            continue;
        }
        auto attribute = [&](const char* name) -> std::string_view {
            const auto it = attributes->find(name);
            return it == attributes->end() ? std::string_view{} : trimmed(it->second);
        };
        const auto id = attribute("id"), version = attribute("version");
        if (id.empty() || version.empty()) {
            warnings.push_back(fmt::format(
                "<package> element at byte {} without id or version; skipped", element_start));
            continue;
        }
        if (!seen.emplace(id, version).second) continue;
        Package package;
        package.type = "nuget";
        package.name = std::string(id);
        package.version = std::string(version);
        const auto development = attribute("developmentDependency");
        package.dev = development == "true" || development == "True" || development == "TRUE" ||
                      development == "1";
        packages.push_back(std::move(package));
    }
    return packages;
}

PathInterest PackagesConfigAnalyzer::interest() const {
    PathInterest interest;
    interest.exact = {std::string(kFileName)};
    interest.suffixes = {std::string(kFileSuffix)};
    interest.max_bytes = kMaxFileBytes;
    return interest;
}

std::vector<Package> PackagesConfigAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                                     std::vector<std::string>& warnings) const {
    return read_lock_files(
        files,
        [](std::string_view path) { return path == kFileName || path.ends_with(kFileSuffix); },
        parse_packages_config, warnings);
}

}  // namespace moat
