// Table-driven checks shared by the language version-scheme tests: each case is checked in
// both directions and through compare_versions().
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vulndb/version/version_compare.h"

namespace moat::test_support {

struct VersionCase {
    const char* a;
    const char* b;
    int expected;  // sign of compare(a, b)
};

inline int sign_of(int value) { return (value > 0) - (value < 0); }

inline void expect_version_cases(VersionScheme scheme, const std::vector<VersionCase>& cases) {
    for (const auto& c : cases) {
        EXPECT_EQ(sign_of(compare_versions(scheme, c.a, c.b)), c.expected)
            << version_scheme_name(scheme) << ": " << c.a << " vs " << c.b;
        EXPECT_EQ(sign_of(compare_versions(scheme, c.b, c.a)), -c.expected)
            << version_scheme_name(scheme) << ": " << c.b << " vs " << c.a;
    }
}

// Each version strictly older than the next, every pair checked.
inline void expect_ascending(VersionScheme scheme, const std::vector<const char*>& versions) {
    for (size_t i = 0; i < versions.size(); ++i)
        for (size_t j = 0; j < versions.size(); ++j) {
            int expected = i < j ? -1 : (i > j ? 1 : 0);
            EXPECT_EQ(sign_of(compare_versions(scheme, versions[i], versions[j])), expected)
                << version_scheme_name(scheme) << ": " << versions[i] << " vs " << versions[j];
        }
}

inline void expect_valid(VersionScheme scheme, const std::vector<const char*>& versions) {
    for (const char* version : versions)
        EXPECT_TRUE(check_version(scheme, version).ok()) << check_version(scheme, version).message();
}

inline void expect_invalid(VersionScheme scheme, const std::vector<const char*>& versions) {
    for (const char* version : versions)
        EXPECT_FALSE(is_valid_version(scheme, version)) << version_scheme_name(scheme) << ": " << version;
}

}  // namespace moat::test_support
