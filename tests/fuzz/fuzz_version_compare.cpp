// Fuzzes version comparison: the input, split at newlines, gives up to three strings that are
// compared under every scheme. Any input must get a consistent order: compare(a, a) == 0,
// compare(a, b) == -compare(b, a), and <= / >= carried through a chain a, b, c (except under
// Maven, whose own order has cycles: see maven_version.h). A violation
// aborts, which is what the fuzzer reports.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "vulndb/version/version_compare.h"

namespace {

int sign(int value) { return (value > 0) - (value < 0); }

[[noreturn]] void violated(const char* law, moat::VersionScheme scheme) {
    std::fprintf(stderr, "%s violated under %s\n", law,
                 std::string(moat::version_scheme_name(scheme)).c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string_view parts[3];
    size_t count = 0;
    while (count < 2) {
        size_t newline = input.find('\n');
        if (newline == std::string_view::npos) break;
        parts[count++] = input.substr(0, newline);
        input.remove_prefix(newline + 1);
    }
    parts[count++] = input;
    if (count == 1 && size > 1) {  // no newline: the two halves
        parts[0] = input.substr(0, size / 2);
        parts[1] = input.substr(size / 2);
        count = 2;
    }

    for (auto scheme : {moat::VersionScheme::Dpkg, moat::VersionScheme::Rpm, moat::VersionScheme::Apk,
                        moat::VersionScheme::Semver, moat::VersionScheme::Pep440, moat::VersionScheme::Maven,
                        moat::VersionScheme::Go, moat::VersionScheme::Gem, moat::VersionScheme::Composer,
                        moat::VersionScheme::NuGet}) {
        int order[3][3];
        for (size_t i = 0; i < count; ++i) {
            (void)moat::is_valid_version(scheme, parts[i]);
            for (size_t j = 0; j < count; ++j)
                order[i][j] = sign(moat::compare_versions(scheme, parts[i], parts[j]));
            if (order[i][i] != 0) violated("compare(a, a) == 0", scheme);
        }
        for (size_t i = 0; i < count; ++i)
            for (size_t j = 0; j < count; ++j)
                if (order[i][j] != -order[j][i]) violated("antisymmetry", scheme);
        // Maven's own order (ComparableVersion) has cycles, which maven_version.h documents.
        if (count == 3 && scheme != moat::VersionScheme::Maven) {
            if (order[0][1] <= 0 && order[1][2] <= 0 && order[0][2] > 0)
                violated("transitivity of <=", scheme);
            if (order[0][1] >= 0 && order[1][2] >= 0 && order[0][2] < 0)
                violated("transitivity of >=", scheme);
        }
    }
    return 0;
}
