// What `moat fix` hands between its halves: the package side (fix/apt, later fix/apk and
// fix/rpm) turns the scan's fixable findings into verified package files; the image side
// (fix/) installs them into a copy of the root filesystem and writes one new layer.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/result.h"

namespace moat::fix {

// One installed OS package with findings that have a fixed version.
struct FixRequest {
    std::string name;               // binary package, e.g. "libssl3"
    std::string installed_version;  // e.g. "3.0.11-1~deb12u2"
    std::string arch;               // e.g. "amd64"
    std::string source_name;        // e.g. "openssl"
    // Every finding on the package: its id and the version that fixes it. The package side
    // picks the lowest published version >= all of them.
    struct Finding {
        std::string id;             // "CVE-2024-..."
        std::string fixed_version;
    };
    std::vector<Finding> findings;
};

// A package file downloaded and checked against the signed index.
struct FetchedPackage {
    std::string name;
    std::string from_version;       // empty when pulled in as a new dependency
    std::string to_version;
    std::string arch;
    std::filesystem::path file;     // the .deb (or .apk/.rpm), inside the download directory
    std::string sha256;             // as the signed index lists it, and as verified
    std::vector<std::string> closes;  // finding ids this upgrade closes
};

// A requested package that cannot be fixed, and why (shown to the user).
struct UnfixablePackage {
    std::string name;
    std::string installed_version;
    std::vector<std::string> findings;
    std::string reason;  // "no fixed version published in bookworm-security (needs >= 1.2-3)", ...
};

struct FixPlan {
    std::vector<FetchedPackage> packages;
    std::vector<UnfixablePackage> unfixable;
};

}  // namespace moat::fix
