#include "vulndb/version/rpm_version.h"

#include "vulndb/version/digit_runs.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace moat {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
// Everything but letters, digits, '~' and '^' only separates runs (non-ASCII bytes too).
constexpr bool is_separator(char c) { return !is_alnum(c) && c != '~' && c != '^'; }

using version_runs::compare_bytes;
using version_runs::compare_numbers;

}  // namespace

int rpm_vercmp(std::string_view a, std::string_view b) {
    size_t ia = 0, ib = 0;
    const size_t na = a.size(), nb = b.size();
    while (ia < na || ib < nb) {
        while (ia < na && is_separator(a[ia])) ++ia;
        while (ib < nb && is_separator(b[ib])) ++ib;
        const bool end_a = ia == na, end_b = ib == nb;
        const char ca = end_a ? '\0' : a[ia], cb = end_b ? '\0' : b[ib];

        if (ca == '~' || cb == '~') {  // pre-release: before everything, the end included
            if (ca != '~') return 1;
            if (cb != '~') return -1;
            ++ia, ++ib;
            continue;
        }
        if (ca == '^' || cb == '^') {  // post-release: after the end, before anything else
            if (end_a) return -1;
            if (end_b) return 1;
            if (ca != '^') return 1;
            if (cb != '^') return -1;
            ++ia, ++ib;
            continue;
        }
        if (end_a || end_b) break;

        // One run from each side, of the kind a's run is; b may have none of that kind.
        const bool numeric = is_digit(ca);
        auto in_run = [numeric](char c) { return numeric ? is_digit(c) : is_alpha(c); };
        size_t ea = ia, eb = ib;
        while (ea < na && in_run(a[ea])) ++ea;
        while (eb < nb && in_run(b[eb])) ++eb;
        if (eb == ib) return numeric ? 1 : -1;  // a number is newer than letters

        std::string_view run_a = a.substr(ia, ea - ia), run_b = b.substr(ib, eb - ib);
        if (int order = numeric ? compare_numbers(run_a, run_b) : compare_bytes(run_a, run_b))
            return order;
        ia = ea, ib = eb;
    }
    if (ia == na && ib == nb) return 0;
    return ia == na ? -1 : 1;  // the side with runs left is newer
}

RpmEvr split_rpm_evr(std::string_view evr) {
    RpmEvr parts;
    size_t digits = 0;
    while (digits < evr.size() && is_digit(evr[digits])) ++digits;
    std::string_view rest = evr;
    if (digits < evr.size() && evr[digits] == ':') {
        parts.has_epoch = true;
        parts.epoch = digits == 0 ? std::string_view("0") : evr.substr(0, digits);
        rest = evr.substr(digits + 1);
    }
    if (size_t hyphen = rest.rfind('-'); hyphen != std::string_view::npos) {
        parts.has_release = true;
        parts.release = rest.substr(hyphen + 1);
        rest = rest.substr(0, hyphen);
    }
    parts.version = rest;
    return parts;
}

int rpm_evr_compare(const RpmEvr& a, const RpmEvr& b, RpmMissingRelease missing_release) {
    std::string_view epoch_a = a.has_epoch ? a.epoch : "0";
    std::string_view epoch_b = b.has_epoch ? b.epoch : "0";
    if (int order = rpm_vercmp(epoch_a, epoch_b)) return order;
    if (int order = rpm_vercmp(a.version, b.version)) return order;
    if (a.has_release && b.has_release) return rpm_vercmp(a.release, b.release);
    if (missing_release == RpmMissingRelease::MatchesAny || a.has_release == b.has_release)
        return 0;
    return a.has_release ? 1 : -1;
}

int rpm_version_compare(std::string_view a, std::string_view b) {
    return rpm_evr_compare(split_rpm_evr(a), split_rpm_evr(b));
}

const char* rpm_version_problem(std::string_view evr) {
    if (evr.empty()) return "version string is empty";
    auto allowed = [](char c) {
        return is_alnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '^';
    };
    RpmEvr parts = split_rpm_evr(evr);
    if (parts.has_epoch) {
        if (evr.front() == ':') return "epoch is empty";
        uint64_t value = 0;
        for (char c : parts.epoch) {
            value = value * 10 + static_cast<unsigned>(c - '0');
            if (value > UINT32_MAX) return "epoch is too big";
        }
    }
    if (parts.version.empty()) return "version is empty";
    if (!std::all_of(parts.version.begin(), parts.version.end(), allowed))
        return parts.version.find_first_of(":-") != std::string_view::npos
                   ? "version contains ':' or '-' outside the epoch and release separators"
                   : "invalid character in version";
    if (parts.has_release) {
        if (parts.release.empty()) return "release is empty";
        if (!std::all_of(parts.release.begin(), parts.release.end(), allowed))
            return "invalid character in release";
    }
    return nullptr;
}

}  // namespace moat
