#include "analyze/lang/golang/go_semver.h"

#include <optional>
#include <vector>

namespace moat::golang {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_identifier_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

struct Semver {
    std::string_view major, minor = "0", patch = "0";
    std::string_view prerelease;  // without the '-'
};

// Digits without a leading zero (a lone "0" is fine), taken from the front of `text`.
std::optional<std::string_view> take_number(std::string_view& text) {
    size_t end = 0;
    while (end < text.size() && is_digit(text[end])) ++end;
    if (end == 0 || (end > 1 && text[0] == '0')) return std::nullopt;
    auto number = text.substr(0, end);
    text.remove_prefix(end);
    return number;
}

// Dot-separated non-empty identifiers; `strict_numbers` rejects numeric ones with a leading zero.
bool valid_identifiers(std::string_view text, bool strict_numbers) {
    size_t start = 0;
    while (true) {
        const size_t dot = text.find('.', start);
        const auto identifier = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (identifier.empty()) return false;
        bool numeric = true;
        for (char c : identifier) {
            if (!is_identifier_char(c)) return false;
            numeric = numeric && is_digit(c);
        }
        if (strict_numbers && numeric && identifier.size() > 1 && identifier[0] == '0') return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

std::optional<Semver> parse(std::string_view text) {
    if (text.empty() || text[0] != 'v') return std::nullopt;
    text.remove_prefix(1);
    Semver version;
    auto major = take_number(text);
    if (!major) return std::nullopt;
    version.major = *major;
    if (text.empty()) return version;  // shorthand v1
    if (text[0] != '.') return std::nullopt;
    text.remove_prefix(1);
    auto minor = take_number(text);
    if (!minor) return std::nullopt;
    version.minor = *minor;
    if (text.empty()) return version;  // shorthand v1.2
    if (text[0] != '.') return std::nullopt;
    text.remove_prefix(1);
    auto patch = take_number(text);
    if (!patch) return std::nullopt;
    version.patch = *patch;
    if (!text.empty() && text[0] == '-') {
        const size_t plus = text.find('+');
        version.prerelease = text.substr(1, plus == std::string_view::npos ? std::string_view::npos : plus - 1);
        if (!valid_identifiers(version.prerelease, true)) return std::nullopt;
        text.remove_prefix(plus == std::string_view::npos ? text.size() : plus);
    }
    if (!text.empty() && text[0] == '+') {
        if (!valid_identifiers(text.substr(1), false)) return std::nullopt;
        text = {};
    }
    if (!text.empty()) return std::nullopt;
    return version;
}

// Numbers without leading zeros: the longer is larger, equal lengths compare as text.
int compare_numbers(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

std::vector<std::string_view> split_dots(std::string_view text) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
        const size_t dot = text.find('.', start);
        if (dot == std::string_view::npos) {
            parts.push_back(text.substr(start));
            return parts;
        }
        parts.push_back(text.substr(start, dot - start));
        start = dot + 1;
    }
}

bool all_digits(std::string_view text) {
    for (char c : text)
        if (!is_digit(c)) return false;
    return true;
}

// Semver precedence of pre-releases: none beats any; numeric identifiers order before others.
int compare_prerelease(std::string_view a, std::string_view b) {
    if (a == b) return 0;
    if (a.empty()) return 1;
    if (b.empty()) return -1;
    const auto left = split_dots(a), right = split_dots(b);
    for (size_t i = 0; i < left.size() && i < right.size(); ++i) {
        const bool left_numeric = all_digits(left[i]), right_numeric = all_digits(right[i]);
        int order = 0;
        if (left_numeric && right_numeric)
            order = compare_numbers(left[i], right[i]);
        else if (left_numeric != right_numeric)
            order = left_numeric ? -1 : 1;
        else
            order = left[i].compare(right[i]) < 0 ? -1 : (left[i] == right[i] ? 0 : 1);
        if (order != 0) return order;
    }
    if (left.size() == right.size()) return 0;
    return left.size() < right.size() ? -1 : 1;
}

}  // namespace

bool is_valid_semver(std::string_view version) { return parse(version).has_value(); }

int compare_semver(std::string_view a, std::string_view b) {
    const auto left = parse(a), right = parse(b);
    if (!left || !right) return left ? 1 : (right ? -1 : 0);
    if (int order = compare_numbers(left->major, right->major)) return order;
    if (int order = compare_numbers(left->minor, right->minor)) return order;
    if (int order = compare_numbers(left->patch, right->patch)) return order;
    return compare_prerelease(left->prerelease, right->prerelease);
}

}  // namespace moat::golang
