// The shared vocabulary of the scanner: what an image holds (packages, OS).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace moat {

// One installed package. `type` is the package-url type (deb, apk, rpm, npm, pypi, ...).
struct Package {
    std::string type;
    std::string name;
    // deb/apk: the full version as the database stores it ("1:2.5.1-4", "1.36.1-r15").
    // rpm: VERSION only; epoch and release are separate.
    std::string version;
    std::optional<long> epoch;  // rpm only; absent when the header has no EPOCH tag
    std::string release;        // rpm RELEASE
    std::string arch;
    std::string source_name;     // dpkg Source:, apk origin, rpm SOURCERPM name
    std::string source_version;  // full source version (deb/apk); rpm: VERSION of the SRPM
    std::string source_release;  // rpm: RELEASE of the SRPM
    std::optional<long> source_epoch;
    std::vector<std::string> licenses;
    std::string modularity_label;  // rpm MODULARITYLABEL
    std::string maintainer;
    std::vector<std::string> installed_files;  // files the package owns, without leading '/'
    // Language packages: a development-only dependency (the lock file says so), and an identity
    // guessed from a file name rather than read from metadata (a jar without pom.properties).
    bool dev = false;
    bool low_confidence = false;
    std::string path;   // file the package was read from, relative to the image root
    std::string layer;  // digest of the layer that last wrote `path` ("" for dir: sources)
};

// The operating system an image is based on.
struct OsInfo {
    std::string family;    // debian, ubuntu, alpine, redhat, centos, rocky, alma, oracle, amazon,
                           // sles, opensuse-leap, opensuse-tumbleweed, fedora, ...
    std::string version;   // as precise as the release files say ("12", "3.18.4", "7.6.1810")
    std::string codename;  // bookworm, jammy, ... when known
    std::string pretty_name;
    bool distroless = false;  // Debian-based distroless (var/lib/dpkg/status.d, no os-release)
};

}  // namespace moat
