#include "vulndb/version/gem_version.h"

#include "vulndb/version/digit_runs.h"

namespace moat {
namespace {

using version_runs::compare_bytes;
using version_runs::compare_numbers;

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_alnum(char c) { return is_digit(c) || is_letter(c); }
constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

struct Segment {
    bool number;
    std::string_view text;
    bool zero() const { return number && text.find_first_not_of('0') == std::string_view::npos; }
};

// The segments of a (trimmed, valid) version: runs of digits, runs of letters, and "pre" for
// each '-' (RubyGems rewrites "-" as ".pre.").
class Segments {
public:
    explicit Segments(std::string_view text) : text_(text) {}
    bool next(Segment& out) {
        while (at_ < text_.size()) {
            char c = text_[at_];
            if (c == '-') {
                ++at_;
                out = {false, "pre"};
                return true;
            }
            if (is_alnum(c)) {
                size_t start = at_;
                bool digits = is_digit(c);
                while (at_ < text_.size() && is_alnum(text_[at_]) && is_digit(text_[at_]) == digits) ++at_;
                out = {digits, text_.substr(start, at_ - start)};
                return true;
            }
            ++at_;
        }
        return false;
    }

private:
    std::string_view text_;
    size_t at_ = 0;
};

// Gem::Version#canonical_segments, one at a time: the numbers before the first string without
// their trailing zeros, then the rest without its trailing zeros.
class Canonical {
public:
    explicit Canonical(std::string_view text) : segments_(text) {
        Segments scan(text);
        Segment segment;
        size_t index = 0;
        bool in_strings = false;
        while (scan.next(segment)) {
            if (!segment.number && !in_strings) {
                in_strings = true;
                string_start_ = index;
            }
            if (!segment.zero()) (in_strings ? last_kept_tail_ : last_kept_head_) = index + 1;
            ++index;
        }
        if (!in_strings) string_start_ = index;
    }

    bool next(Segment& out) {
        while (segments_.next(out)) {
            size_t index = index_++;
            if (index < string_start_) {
                if (index < last_kept_head_) return true;
            } else if (index < last_kept_tail_) {
                return true;
            } else {
                return false;
            }
        }
        return false;
    }

private:
    Segments segments_;
    size_t index_ = 0;
    size_t string_start_ = 0;
    size_t last_kept_head_ = 0;  // one past the last non-zero number before the first string
    size_t last_kept_tail_ = 0;  // one past the last non-zero segment from the first string on
};

const char* problem_of(std::string_view version) {
    std::string_view text = trim(version);
    if (text.empty()) return nullptr;  // "0"
    size_t at = 0;
    if (!is_digit(text[0])) return "version does not start with a number";
    while (at < text.size() && is_digit(text[at])) ++at;
    while (at < text.size() && text[at] == '.') {
        size_t start = ++at;
        while (at < text.size() && is_alnum(text[at])) ++at;
        if (at == start) return "empty segment after '.'";
    }
    if (at < text.size() && text[at] == '-') {
        for (;;) {
            size_t start = ++at;
            while (at < text.size() && (is_alnum(text[at]) || text[at] == '-')) ++at;
            if (at == start) return "empty pre-release label";
            if (at == text.size() || text[at] != '.') break;
        }
    }
    if (at != text.size()) return "invalid character in version";
    return nullptr;
}

int compare_valid(std::string_view a, std::string_view b) {
    Canonical x(trim(a)), y(trim(b));
    const Segment zero{true, "0"};
    for (;;) {
        Segment p, q;
        bool has_p = x.next(p), has_q = y.next(q);
        if (!has_p && !has_q) return 0;
        if (!has_p) p = zero;
        if (!has_q) q = zero;
        if (p.number != q.number) return p.number ? 1 : -1;  // a string before a number
        int order = p.number ? compare_numbers(p.text, q.text) : compare_bytes(p.text, q.text);
        if (order) return order;
    }
}

}  // namespace

int gem_version_compare(std::string_view a, std::string_view b) {
    bool a_ok = problem_of(a) == nullptr, b_ok = problem_of(b) == nullptr;
    if (!a_ok || !b_ok) return a_ok == b_ok ? compare_bytes(a, b) : (a_ok ? 1 : -1);
    return compare_valid(a, b);
}

const char* gem_version_problem(std::string_view version) { return problem_of(version); }

}  // namespace moat
