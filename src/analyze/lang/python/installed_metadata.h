// Installed Python distributions: the core-metadata file a wheel or egg installs
// (NAME.dist-info/METADATA, NAME.egg-info/PKG-INFO, or NAME.egg-info as a single file).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/package.h"

namespace moat {

// The distribution one core-metadata file describes (type pypi, name, version, licenses), or
// nullopt with a warning when its header block names no Name or Version. The header block is
// RFC 822 style and ends at the first blank line; what follows is the description. Licenses,
// first found wins: License-Expression; the last segment of every "Classifier: License :: ..."
// (except a bare "OSI Approved"); License; "file://" + the first License-File.
std::optional<Package> parse_python_metadata(std::string_view text,
                                             std::vector<std::string>& warnings);

}  // namespace moat
