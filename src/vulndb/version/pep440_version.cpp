#include "vulndb/version/pep440_version.h"

#include <array>

#include "vulndb/version/digit_runs.h"

// The parser follows packaging's VERSION_PATTERN left to right, greedily, as Python's regex
// engine tries it: a separator is taken only when the part it introduces follows.

namespace moat {
namespace {

using version_runs::compare_numbers;

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr bool is_alnum(char c) { return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z'); }
constexpr bool is_separator(char c) { return c == '-' || c == '_' || c == '.'; }
constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

struct Pep440 {
    std::string_view epoch = "0";
    std::string_view release;  // "1.2.3"
    int pre_rank = -1;         // -1 none, 0 a, 1 b, 2 rc
    std::string_view pre_number = "0";
    bool has_post = false;
    std::string_view post_number = "0";
    bool has_dev = false;
    std::string_view dev_number = "0";
    std::string_view local;  // without '+'; empty when absent
    const char* problem = nullptr;
};

class Cursor {
public:
    explicit Cursor(std::string_view text) : text_(text) {}
    bool done() const { return at_ == text_.size(); }
    char peek(size_t ahead = 0) const { return at_ + ahead < text_.size() ? text_[at_ + ahead] : '\0'; }
    size_t at() const { return at_; }
    void seek(size_t at) { at_ = at; }
    std::string_view digits() {
        size_t start = at_;
        while (is_digit(peek())) ++at_;
        return text_.substr(start, at_ - start);
    }
    // Takes `word` (lowercase) case-insensitively.
    bool word(std::string_view word) {
        for (size_t i = 0; i < word.size(); ++i)
            if (lower(peek(i)) != word[i]) return false;
        at_ += word.size();
        return true;
    }
    void separator() {
        if (is_separator(peek())) ++at_;
    }
    std::string_view rest() const { return text_.substr(at_); }

private:
    std::string_view text_;
    size_t at_ = 0;
};

// `labels` in the pattern's order; returns the index of the one taken, or -1 (nothing taken).
template <size_t N>
int label(Cursor& in, const std::array<std::string_view, N>& labels) {
    size_t start = in.at();
    in.separator();
    for (size_t i = 0; i < N; ++i)
        if (in.word(labels[i])) return static_cast<int>(i);
    in.seek(start);
    return -1;
}

// The optional "[-_.]N" after a label.
std::string_view label_number(Cursor& in) {
    in.separator();
    std::string_view number = in.digits();
    return number.empty() ? std::string_view("0") : number;
}

Pep440 parse(std::string_view text) {
    Pep440 out;
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    Cursor in(text);
    if (in.peek() == 'v' || in.peek() == 'V') in.seek(1);
    size_t start = in.at();
    std::string_view first = in.digits();
    if (!first.empty() && in.peek() == '!') {
        out.epoch = first;
        in.seek(in.at() + 1);
        start = in.at();
        first = in.digits();
    }
    if (first.empty()) {
        out.problem = text.empty() ? "version is empty" : "release does not start with a number";
        return out;
    }
    while (in.peek() == '.' && is_digit(in.peek(1))) {
        in.seek(in.at() + 1);
        in.digits();
    }
    out.release = text.substr(start, in.at() - start);

    static constexpr std::array<std::string_view, 8> kPre = {"alpha", "a",       "beta", "b",
                                                             "preview", "pre", "c",    "rc"};
    static constexpr int kPreRank[8] = {0, 0, 1, 1, 2, 2, 2, 2};
    if (int found = label(in, kPre); found >= 0) {
        out.pre_rank = kPreRank[found];
        out.pre_number = label_number(in);
    }

    if (in.peek() == '-' && is_digit(in.peek(1))) {
        in.seek(in.at() + 1);
        out.has_post = true;
        out.post_number = in.digits();
    } else {
        static constexpr std::array<std::string_view, 3> kPost = {"post", "rev", "r"};
        if (label(in, kPost) >= 0) {
            out.has_post = true;
            out.post_number = label_number(in);
        }
    }

    static constexpr std::array<std::string_view, 1> kDev = {"dev"};
    if (label(in, kDev) >= 0) {
        out.has_dev = true;
        out.dev_number = label_number(in);
    }

    if (in.peek() == '+') {
        out.local = in.rest().substr(1);
        bool part_start = true;
        for (char c : out.local) {
            if (is_alnum(c)) {
                part_start = false;
            } else if (is_separator(c) && !part_start) {
                part_start = true;
            } else {
                out.problem = "invalid local version label";
                return out;
            }
        }
        if (part_start) out.problem = "invalid local version label";
        return out;
    }
    if (!in.done()) out.problem = "invalid character in version";
    return out;
}

// Dotted numbers, missing ones read as 0: trailing zeros never matter.
int compare_release(std::string_view a, std::string_view b) {
    while (!a.empty() || !b.empty()) {
        size_t a_dot = a.find('.'), b_dot = b.find('.');
        std::string_view x = a.empty() ? std::string_view("0") : a.substr(0, a_dot);
        std::string_view y = b.empty() ? std::string_view("0") : b.substr(0, b_dot);
        if (int order = compare_numbers(x, y)) return order;
        a = a_dot == std::string_view::npos ? std::string_view{} : a.substr(a_dot + 1);
        b = b_dot == std::string_view::npos ? std::string_view{} : b.substr(b_dot + 1);
    }
    return 0;
}

bool all_digits(std::string_view text) {
    for (char c : text)
        if (!is_digit(c)) return false;
    return !text.empty();
}

size_t next_separator(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i)
        if (is_separator(text[i])) return i;
    return std::string_view::npos;
}

int compare_local_part(std::string_view a, std::string_view b) {
    bool a_number = all_digits(a), b_number = all_digits(b);
    if (a_number && b_number) return compare_numbers(a, b);
    if (a_number != b_number) return a_number ? 1 : -1;  // a number after a string
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        char x = lower(a[i]), y = lower(b[i]);
        if (x != y) return x < y ? -1 : 1;
    }
    if (a.size() == b.size()) return 0;
    return a.size() < b.size() ? -1 : 1;
}

int compare_local(std::string_view a, std::string_view b) {
    if (a.empty() || b.empty()) return a.empty() == b.empty() ? 0 : (a.empty() ? -1 : 1);
    for (;;) {
        size_t a_end = next_separator(a), b_end = next_separator(b);
        if (int order = compare_local_part(a.substr(0, a_end), b.substr(0, b_end))) return order;
        bool a_done = a_end == std::string_view::npos, b_done = b_end == std::string_view::npos;
        if (a_done || b_done) return a_done == b_done ? 0 : (a_done ? -1 : 1);
        a.remove_prefix(a_end + 1);
        b.remove_prefix(b_end + 1);
    }
}

// packaging's _cmpkey, part by part; each part is (rank, number) with rank -1 for its
// "-Infinity", +1 for its "Infinity".
int compare_parsed(const Pep440& a, const Pep440& b) {
    if (int order = compare_numbers(a.epoch, b.epoch)) return order;
    if (int order = compare_release(a.release, b.release)) return order;

    auto pre_rank = [](const Pep440& v) {
        if (v.pre_rank < 0 && !v.has_post && v.has_dev) return -1;  // 1.0.dev0 before 1.0a0
        if (v.pre_rank < 0) return 3;                               // no pre-release: after rc
        return v.pre_rank;
    };
    int a_pre = pre_rank(a), b_pre = pre_rank(b);
    if (a_pre != b_pre) return a_pre < b_pre ? -1 : 1;
    if (a.pre_rank >= 0)
        if (int order = compare_numbers(a.pre_number, b.pre_number)) return order;

    if (a.has_post != b.has_post) return a.has_post ? 1 : -1;
    if (a.has_post)
        if (int order = compare_numbers(a.post_number, b.post_number)) return order;

    if (a.has_dev != b.has_dev) return a.has_dev ? -1 : 1;
    if (a.has_dev)
        if (int order = compare_numbers(a.dev_number, b.dev_number)) return order;

    return compare_local(a.local, b.local);
}

}  // namespace

int pep440_version_compare(std::string_view a, std::string_view b) {
    Pep440 x = parse(a), y = parse(b);
    bool x_ok = x.problem == nullptr, y_ok = y.problem == nullptr;
    if (!x_ok || !y_ok) return x_ok == y_ok ? version_runs::compare_bytes(a, b) : (x_ok ? 1 : -1);
    return compare_parsed(x, y);
}

const char* pep440_version_problem(std::string_view version) { return parse(version).problem; }

}  // namespace moat
