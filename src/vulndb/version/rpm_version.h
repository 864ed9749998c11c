// RPM versions ordered exactly as rpm orders them: rpmvercmp on each of epoch, version and
// release, with '~' (pre-release) and '^' (post-release, rpm >= 4.15). No allocation.
#pragma once

#include <string_view>

namespace moat {

// rpmvercmp: the strings are cut into runs of digits and runs of ASCII letters; any other
// character except '~' and '^' only separates runs. Runs compare pairwise: numbers as numbers
// of any length, letters as bytes, and a number is newer than letters. '~' sorts before
// anything, even the end ("1.0~rc1" < "1.0"); '^' sorts after the end but before anything else
// ("1.0" < "1.0^git1" < "1.0.1"). When one string runs out, the one with runs left is newer;
// separators alone never make a difference ("1.0" == "1_0", "1.0." == "1.0").
int rpm_vercmp(std::string_view a, std::string_view b);

// "[epoch:]version[-release]" split as rpm splits it: the epoch is a run of leading digits
// followed by ':' (an empty one reads as "0"), the release follows the last '-'. Anything else
// (a non-numeric prefix before ':') stays in the version, as in rpm.
struct RpmEvr {
    std::string_view epoch;  // "0" when written as ":"; empty when absent
    std::string_view version;
    std::string_view release;
    bool has_epoch = false;
    bool has_release = false;
};
RpmEvr split_rpm_evr(std::string_view evr);

// What an absent release means when the other side has one.
enum class RpmMissingRelease {
    // rpm's own total order (rpmverCmp in rpm >= 4.17, rpm.vercmp and rpm.ver in rpm's Lua and
    // Python bindings): no release sorts before any release, so "1.0" < "1.0-1".
    SortsFirst,
    // rpm's dependency matching (rpmdsCompare): "1.0" names every release of 1.0, so it equals
    // "1.0-1". Not a total order ("1.0-1" == "1.0" == "1.0-2"): never use it to sort.
    MatchesAny,
};

// Epoch (absent = 0), then version, then release, each with rpm_vercmp.
int rpm_evr_compare(const RpmEvr& a, const RpmEvr& b,
                    RpmMissingRelease missing_release = RpmMissingRelease::SortsFirst);

// The same on "[epoch:]version[-release]" strings; agrees with `rpm.vercmp(a, b)` of rpm 4.18.
int rpm_version_compare(std::string_view a, std::string_view b);

// Why `evr` is not an EVR that rpmbuild would produce, or nullptr when it is one: a decimal
// epoch that fits rpm's 32-bit tag, a non-empty version and (if present) release made of
// [A-Za-z0-9._+~^] only (so no '-' inside either).
const char* rpm_version_problem(std::string_view evr);
inline bool rpm_version_valid(std::string_view evr) { return rpm_version_problem(evr) == nullptr; }

}  // namespace moat
