#include "vulndb/version/dpkg_version.h"

#include <climits>
#include <cstring>

namespace moat {
namespace {

// ASCII classes, independent of the locale (dpkg uses the C locale's).
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
constexpr bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view trim_spaces(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

// Weight of one character of a non-digit run: '~' sorts first, then the end of the run
// (weight 0), then letters, then every other character; the classes do not overlap.
constexpr int weight(char c) {
    if (c == '~') return -1;
    if (is_alpha(c)) return static_cast<unsigned char>(c);
    return static_cast<unsigned char>(c) + 256;
}

// Compares two runs of decimal digits as numbers, whatever their length.
int compare_digit_runs(std::string_view a, std::string_view b) {
    while (!a.empty() && a.front() == '0') a.remove_prefix(1);
    while (!b.empty() && b.front() == '0') b.remove_prefix(1);
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    int order = a.empty() ? 0 : std::memcmp(a.data(), b.data(), a.size());
    return (order > 0) - (order < 0);
}

size_t digit_run_end(std::string_view text, size_t pos) {
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    return pos;
}

}  // namespace

DpkgVersion split_dpkg_version(std::string_view version) {
    DpkgVersion parts;
    std::string_view rest = trim_spaces(version);
    if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
        parts.epoch = rest.substr(0, colon);
        parts.has_epoch = true;
        rest.remove_prefix(colon + 1);
    }
    if (size_t hyphen = rest.rfind('-'); hyphen != std::string_view::npos) {
        parts.revision = rest.substr(hyphen + 1);
        parts.has_revision = true;
        rest = rest.substr(0, hyphen);
    }
    parts.upstream = rest;
    return parts;
}

int dpkg_compare_part(std::string_view a, std::string_view b) {
    size_t ia = 0, ib = 0;
    while (ia < a.size() || ib < b.size()) {
        // Non-digit run, one character at a time; a digit or the end weighs 0.
        while ((ia < a.size() && !is_digit(a[ia])) || (ib < b.size() && !is_digit(b[ib]))) {
            int wa = (ia < a.size() && !is_digit(a[ia])) ? weight(a[ia]) : 0;
            int wb = (ib < b.size() && !is_digit(b[ib])) ? weight(b[ib]) : 0;
            if (wa != wb) return wa < wb ? -1 : 1;
            // Equal non-zero weights mean the same character on both sides.
            ++ia, ++ib;
        }
        size_t ea = digit_run_end(a, ia), eb = digit_run_end(b, ib);
        if (int order = compare_digit_runs(a.substr(ia, ea - ia), b.substr(ib, eb - ib)))
            return order;
        ia = ea, ib = eb;
    }
    return 0;
}

int dpkg_version_compare(std::string_view a, std::string_view b) {
    DpkgVersion va = split_dpkg_version(a), vb = split_dpkg_version(b);
    // dpkg reads the epoch with strtol, which takes a sign ("+1", and "-0" as 0).
    auto epoch_digits = [](std::string_view epoch) {
        if (!epoch.empty() && (epoch.front() == '+' || epoch.front() == '-')) epoch.remove_prefix(1);
        return epoch;
    };
    if (int order = dpkg_compare_part(epoch_digits(va.epoch), epoch_digits(vb.epoch))) return order;
    if (int order = dpkg_compare_part(va.upstream, vb.upstream)) return order;
    return dpkg_compare_part(va.revision, vb.revision);
}

const char* dpkg_version_problem(std::string_view version) {
    std::string_view text = trim_spaces(version);
    if (text.empty()) return "version string is empty";
    for (char c : text)
        if (is_space(c)) return "version string has embedded spaces";
    DpkgVersion parts = split_dpkg_version(text);
    if (parts.has_epoch) {
        // dpkg reads the epoch with strtol: an optional sign, then digits.
        std::string_view epoch = parts.epoch;
        const bool negative = !epoch.empty() && epoch.front() == '-';
        if (!epoch.empty() && (epoch.front() == '+' || negative)) epoch.remove_prefix(1);
        if (epoch.empty() || !is_digit(epoch.front())) return "epoch in version is empty";
        unsigned long long value = 0;
        for (char c : epoch) {
            if (!is_digit(c)) return "epoch in version is not number";
            if (value <= INT_MAX) value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (negative && value != 0) return "epoch in version is negative";
        if (value > INT_MAX) return "epoch in version is too big";
        if (parts.upstream.empty() && !parts.has_revision)
            return "nothing after colon in version number";
    }
    if (parts.has_revision && parts.revision.empty()) return "revision number is empty";
    if (parts.upstream.empty()) return "version number is empty";
    if (!is_digit(parts.upstream.front())) return "version number does not start with digit";
    for (char c : parts.upstream)
        if (!is_alnum(c) && c != '.' && c != '+' && c != '~' && c != '-' && c != ':')
            return "invalid character in version number";
    for (char c : parts.revision)
        if (!is_alnum(c) && c != '.' && c != '+' && c != '~')
            return "invalid character in revision number";
    return nullptr;
}

}  // namespace moat
