#include "registry/auth/account_names.h"

#include <fmt/format.h>

namespace moat::registry {

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool is_tag_char(char c) {
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-';
}

// Names reach error messages: keep them short and printable there.
std::string shown(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 64)) out += (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
    if (text.size() > 64) out += "...";
    return out;
}

}  // namespace

std::optional<std::string> invalid_account_name(std::string_view name, std::string_view what) {
    if (name.empty()) return fmt::format("the {} name is empty", what);
    if (name.size() > 64) return fmt::format("{} name \"{}\" is longer than 64 characters", what, shown(name));
    for (char c : name)
        if (!is_lower_alnum(c) && c != '.' && c != '_' && c != '-')
            return fmt::format("{} name \"{}\" may hold only lowercase letters, digits, '.', '_' and '-'", what,
                               shown(name));
    if (!is_lower_alnum(name.front()) || !is_lower_alnum(name.back()))
        return fmt::format("{} name \"{}\" must start and end with a lowercase letter or digit", what, shown(name));
    return std::nullopt;
}

std::string_view namespace_of(std::string_view repository) { return repository.substr(0, repository.find('/')); }

std::optional<std::string> invalid_tag_pattern(std::string_view pattern) {
    if (pattern.empty()) return std::string("a tag pattern is empty");
    if (pattern.size() > 128) return fmt::format("tag pattern \"{}\" is longer than 128 characters", shown(pattern));
    for (char c : pattern)
        if (!is_tag_char(c) && c != '*' && c != '?')
            return fmt::format("tag pattern \"{}\" may hold only tag characters [A-Za-z0-9_.-] and the wildcards * and ?",
                               shown(pattern));
    return std::nullopt;
}

bool tag_matches(std::string_view pattern, std::string_view tag) {
    // Greedy glob with one remembered star: each star only ever moves forward, so the work is
    // bounded by |pattern| * |tag|.
    size_t p = 0, t = 0;
    size_t star = std::string_view::npos, resume = 0;
    while (t < tag.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == tag[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

}  // namespace moat::registry
