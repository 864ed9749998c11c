#include "analyze/lang/javascript/npm_json.h"

#include <fmt/format.h>

#include <algorithm>

namespace moat::npm {

std::optional<simdjson::dom::element> parse_json(simdjson::dom::parser& parser, std::string_view text,
                                                 std::vector<std::string>& warnings) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        warnings.emplace_back("empty file");
        return std::nullopt;
    }
    // Grow-only: a parser reused over thousands of small package.json files allocates once.
    if (text.size() > parser.capacity() || parser.max_depth() != kMaxJsonDepth) {
        constexpr size_t kMinCapacity = 64 * 1024;
        if (auto error = parser.allocate(std::max(text.size(), kMinCapacity), kMaxJsonDepth);
            error != simdjson::SUCCESS) {
            warnings.push_back(fmt::format("cannot parse {} bytes of JSON: {}", text.size(),
                                           simdjson::error_message(error)));
            return std::nullopt;
        }
    }
    simdjson::dom::element root;
    if (auto error = parser.parse(text.data(), text.size(), true).get(root);
        error != simdjson::SUCCESS) {
        warnings.push_back(fmt::format("not valid JSON: {}", simdjson::error_message(error)));
        return std::nullopt;
    }
    return root;
}

namespace {

void add_license(simdjson::dom::element value, std::vector<std::string>& out) {
    std::string_view text;
    if (value.get(text) != simdjson::SUCCESS) {
        simdjson::dom::object object;
        if (value.get(object) != simdjson::SUCCESS) return;
        auto type = string_field(object, "type");
        if (!type) return;
        text = *type;
    }
    if (!text.empty()) out.emplace_back(text);
}

}  // namespace

std::vector<std::string> licenses_of(simdjson::dom::element value) {
    std::vector<std::string> out;
    simdjson::dom::array items;
    if (value.get(items) == simdjson::SUCCESS) {
        for (simdjson::dom::element item : items) add_license(item, out);
    } else {
        add_license(value, out);
    }
    return out;
}

std::optional<std::string_view> string_field(simdjson::dom::object object, std::string_view key) {
    std::string_view text;
    if (object.at_key(key).get(text) != simdjson::SUCCESS) return std::nullopt;
    return text;
}

bool true_field(simdjson::dom::object object, std::string_view key) {
    bool flag = false;
    return object.at_key(key).get(flag) == simdjson::SUCCESS && flag;
}

bool is_package_name(std::string_view name) {
    if (name.empty() || name.size() > 214 || name.front() == '.') return false;
    for (unsigned char c : name)
        if (c <= ' ' || c == 0x7f || c == '\\') return false;
    const auto slash = name.find('/');
    if (name.front() != '@') return slash == std::string_view::npos;
    // "@scope/name": one slash, both parts non-empty, the name part not hidden either.
    if (slash == std::string_view::npos || slash == 1 || slash + 1 == name.size()) return false;
    const auto rest = name.substr(slash + 1);
    return rest.find('/') == std::string_view::npos && rest.front() != '.';
}

std::string excerpt(std::string_view text) {
    constexpr size_t kMaxShown = 80;
    std::string out(text.substr(0, kMaxShown));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) c = '?';
    if (text.size() > kMaxShown) out += "...";
    return out;
}

}  // namespace moat::npm
