// A repository's Packages index (RFC 822 stanzas) and the dependency fields in it, parsed with
// caps on sizes and counts because the index comes from the network.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace moat::fix {

// One alternative of a dependency: "libc6 (>= 2.34)", "python3:any".
struct DepAtom {
    std::string name;
    std::string op;       // "", "<<", "<=", "=", ">=", ">>"
    std::string version;  // empty when op is empty
    std::string arch_qualifier;  // "any", "native", an arch, or empty
};
using DepAlternatives = std::vector<DepAtom>;  // "a | b"

struct PackageStanza {
    std::string package;
    std::string version;
    std::string architecture;
    std::string filename;
    std::uint64_t size = 0;
    std::string sha256;
    std::string source;  // the source package name, version part dropped; empty means package
    std::string multi_arch;
    std::vector<DepAlternatives> depends;  // Depends and Pre-Depends together
    std::vector<DepAtom> provides;
};

// Parses "a (>= 1) | b, c:any"; malformed atoms are skipped.
std::vector<DepAlternatives> parse_dependency_field(std::string_view text);

// Parses a whole Packages file. Stanzas missing Package/Version/Architecture are skipped; at
// most 500k stanzas and 64 KiB per field value.
Result<std::vector<PackageStanza>> parse_packages_index(std::string_view text);

// Whether `version` satisfies "op constraint" (dpkg ordering); an empty op always does.
bool version_satisfies(std::string_view version, std::string_view op, std::string_view constraint);

}  // namespace moat::fix
