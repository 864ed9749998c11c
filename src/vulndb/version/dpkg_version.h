// Debian package versions ([epoch:]upstream[-revision]) ordered exactly as dpkg orders them
// (Debian Policy 5.6.12), for the matcher. No allocation: everything works on string_view.
#pragma once

#include <string_view>

namespace moat {

// The three parts of a dpkg version. Leading and trailing whitespace is dropped first, as dpkg
// does. The epoch is what precedes the first ':', the revision what follows the last '-' after
// it; an absent part is empty (an absent epoch means 0, an absent revision sorts like "" or "0").
struct DpkgVersion {
    std::string_view epoch;
    std::string_view upstream;
    std::string_view revision;
    bool has_epoch = false;
    bool has_revision = false;
};
DpkgVersion split_dpkg_version(std::string_view version);

// Policy's comparison of one part (upstream or revision): alternating non-digit runs, compared
// character by character with '~' before the end of the part, the end before letters and
// letters before everything else, and digit runs compared as numbers of any length.
int dpkg_compare_part(std::string_view a, std::string_view b);

// <0, 0, >0 as `dpkg --compare-versions a lt|eq|gt b`: epoch numerically, then upstream, then
// revision. Total and deterministic on any input, including ones dpkg rejects.
int dpkg_version_compare(std::string_view a, std::string_view b);

// Why `version` is not a version dpkg accepts without complaint, or nullptr when it is valid:
// exactly `dpkg --validate-version` succeeding (its errors and its warnings alike). Leading and
// trailing whitespace is dropped; the epoch is an integer 0..INT_MAX (dpkg takes a sign, as
// strtol does); upstream is non-empty, starts with a digit and holds only [A-Za-z0-9.+~-:]
// (':' only after an epoch, '-' only before a revision); the revision, if there is a '-', is
// non-empty and holds only [A-Za-z0-9.+~].
const char* dpkg_version_problem(std::string_view version);
inline bool dpkg_version_valid(std::string_view version) {
    return dpkg_version_problem(version) == nullptr;
}

}  // namespace moat
