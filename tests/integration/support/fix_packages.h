// Test support for `moat fix`: package versions in an unpacked rootfs (dpkg-query), and .deb
// files fetched by apt at exactly the versions of the fully upgraded test rootfs.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace moat::testing {

std::map<std::string, std::string> dpkg_versions(const std::filesystem::path& rootfs,
                                                 const std::set<std::string>& packages);

// `--deb FILE` arguments for openssl and libssl3 at the upgraded rootfs's versions, fetched
// with apt-get download into `downloads`; empty (and `why` says why) when apt cannot.
std::vector<std::string> fetch_openssl_debs(const std::filesystem::path& upgraded,
                                            const std::filesystem::path& downloads, std::string& why);

}  // namespace moat::testing
