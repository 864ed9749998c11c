#include "vulndb/version/semver_version.h"

#include "vulndb/version/digit_runs.h"

namespace moat {
namespace {

using version_runs::compare_bytes;
using version_runs::compare_numbers;

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_ident_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
constexpr char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

bool all_digits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text)
        if (!is_digit(c)) return false;
    return true;
}

// What each ecosystem's parser accepts.
struct Dialect {
    bool trim_space;
    bool strip_equals;         // node-semver: "=1.2.3"
    bool strip_v;              // "v1.2.3" tolerated
    int min_numbers, max_numbers;
    bool leading_zeros;        // "01.2.3" accepted (NuGet) or refused (SemVer)
    bool short_only_alone;     // Go: "v1.2" only without pre-release or build
    bool fold_case;            // NuGet compares labels case-insensitively
    unsigned max_number_digits;  // NuGet parts are 32-bit ints; 0 = no limit
};

constexpr Dialect kSemver{true, true, true, 3, 3, false, false, false, 0};
constexpr Dialect kGo{false, false, true, 1, 3, false, true, false, 0};
constexpr Dialect kNuget{true, false, false, 1, 4, true, false, true, 10};

struct Parsed {
    std::string_view numbers[4];
    int count = 0;
    std::string_view pre;  // without the '-'; empty when absent
    bool has_pre = false;
    const char* problem = nullptr;
};

// Dot-separated identifiers: non-empty, [0-9A-Za-z-]; numeric ones without leading zeros
// when `strict_numbers`.
const char* identifiers_problem(std::string_view list, bool strict_numbers, const char* empty,
                                const char* bad_char, const char* leading_zero) {
    for (;;) {
        size_t dot = list.find('.');
        std::string_view id = list.substr(0, dot);
        if (id.empty()) return empty;
        for (char c : id)
            if (!is_ident_char(c)) return bad_char;
        if (strict_numbers && id.size() > 1 && id[0] == '0' && all_digits(id)) return leading_zero;
        if (dot == std::string_view::npos) return nullptr;
        list.remove_prefix(dot + 1);
    }
}

Parsed parse(std::string_view text, const Dialect& dialect) {
    Parsed out;
    if (dialect.trim_space) text = trim(text);
    if (dialect.strip_equals && !text.empty() && text.front() == '=') {
        text.remove_prefix(1);
        if (dialect.trim_space) text = trim(text);
    }
    if (dialect.strip_v && !text.empty() && (text.front() == 'v' || text.front() == 'V'))
        text.remove_prefix(1);
    if (text.empty()) {
        out.problem = "version is empty";
        return out;
    }
    size_t plus = text.find('+');
    std::string_view build = plus == std::string_view::npos ? std::string_view{} : text.substr(plus + 1);
    if (plus != std::string_view::npos) {
        text = text.substr(0, plus);
        if (const char* problem = identifiers_problem(build, false, "build metadata has an empty identifier",
                                                      "invalid character in build metadata", nullptr)) {
            out.problem = problem;
            return out;
        }
    }
    size_t dash = text.find('-');
    if (dash != std::string_view::npos) {
        out.has_pre = true;
        out.pre = text.substr(dash + 1);
        text = text.substr(0, dash);
        if (const char* problem =
                identifiers_problem(out.pre, !dialect.fold_case, "pre-release has an empty identifier",
                                    "invalid character in pre-release",
                                    "numeric pre-release identifier has a leading zero")) {
            out.problem = problem;
            return out;
        }
    }
    for (;;) {
        size_t dot = text.find('.');
        std::string_view number = text.substr(0, dot);
        if (out.count == dialect.max_numbers) {
            out.problem = "too many version numbers";
            return out;
        }
        if (!all_digits(number)) {
            out.problem = number.empty() ? "version number is empty" : "version number is not a number";
            return out;
        }
        if (!dialect.leading_zeros && number.size() > 1 && number[0] == '0') {
            out.problem = "version number has a leading zero";
            return out;
        }
        if (dialect.max_number_digits != 0) {
            std::string_view digits = number;
            while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
            if (digits.size() > dialect.max_number_digits ||
                (digits.size() == dialect.max_number_digits && digits > "2147483647")) {
                out.problem = "version number is too big";
                return out;
            }
        }
        out.numbers[out.count++] = number;
        if (dot == std::string_view::npos) break;
        text.remove_prefix(dot + 1);
    }
    if (out.count < dialect.min_numbers) {
        out.problem = "too few version numbers";
        return out;
    }
    if (dialect.short_only_alone && out.count < 3 && (out.has_pre || plus != std::string_view::npos))
        out.problem = "a short version (v1, v1.2) takes no pre-release or build";
    return out;
}

int compare_identifier(std::string_view a, std::string_view b, bool fold_case) {
    bool a_number = all_digits(a), b_number = all_digits(b);
    if (a_number && b_number) return compare_numbers(a, b);
    if (a_number != b_number) return a_number ? -1 : 1;  // numeric identifiers first
    if (!fold_case) return compare_bytes(a, b);
    size_t common = a.size() < b.size() ? a.size() : b.size();
    for (size_t i = 0; i < common; ++i) {
        char x = upper(a[i]), y = upper(b[i]);
        if (x != y) return x < y ? -1 : 1;
    }
    if (a.size() == b.size()) return 0;
    return a.size() < b.size() ? -1 : 1;
}

int compare_pre(std::string_view a, std::string_view b, bool fold_case) {
    for (;;) {
        size_t a_dot = a.find('.'), b_dot = b.find('.');
        if (int order = compare_identifier(a.substr(0, a_dot), b.substr(0, b_dot), fold_case)) return order;
        bool a_end = a_dot == std::string_view::npos, b_end = b_dot == std::string_view::npos;
        if (a_end || b_end) return a_end == b_end ? 0 : (a_end ? -1 : 1);
        a.remove_prefix(a_dot + 1);
        b.remove_prefix(b_dot + 1);
    }
}

int compare_with(std::string_view a, std::string_view b, const Dialect& dialect) {
    Parsed x = parse(a, dialect), y = parse(b, dialect);
    bool x_ok = x.problem == nullptr, y_ok = y.problem == nullptr;
    if (!x_ok || !y_ok) return x_ok == y_ok ? compare_bytes(a, b) : (x_ok ? 1 : -1);
    for (int i = 0; i < 4; ++i) {
        std::string_view p = i < x.count ? x.numbers[i] : std::string_view("0");
        std::string_view q = i < y.count ? y.numbers[i] : std::string_view("0");
        if (int order = compare_numbers(p, q)) return order;
    }
    if (x.has_pre != y.has_pre) return x.has_pre ? -1 : 1;
    if (!x.has_pre) return 0;
    return compare_pre(x.pre, y.pre, dialect.fold_case);
}

}  // namespace

int semver_version_compare(std::string_view a, std::string_view b) { return compare_with(a, b, kSemver); }
const char* semver_version_problem(std::string_view version) { return parse(version, kSemver).problem; }

int go_version_compare(std::string_view a, std::string_view b) { return compare_with(a, b, kGo); }
const char* go_version_problem(std::string_view version) { return parse(version, kGo).problem; }

int nuget_version_compare(std::string_view a, std::string_view b) { return compare_with(a, b, kNuget); }
const char* nuget_version_problem(std::string_view version) { return parse(version, kNuget).problem; }

}  // namespace moat
