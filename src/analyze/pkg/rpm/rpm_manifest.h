// CBL-Mariner / Azure Linux distroless images have no rpmdb, only
// var/lib/rpmmanifest/container-manifest-2: one TAB-separated line per package.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "inventory/package.h"

namespace moat::rpm {

// Packages of a container manifest (type "rpm"; path and layer left to the caller). Lines
// that do not have the ten expected columns are skipped with a warning.
std::vector<Package> parse_container_manifest(std::string_view text,
                                              std::vector<std::string>& warnings);

}  // namespace moat::rpm
