// Zipped eggs (NAME-VERSION-pyX.Y.egg): setuptools' installed form that keeps the distribution
// in one zip file, its core metadata at EGG-INFO/PKG-INFO.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat {

// The body of EGG-INFO/PKG-INFO in the zip `egg`, or nullopt with a warning when the file is
// not a readable zip, has no such entry, or the entry expands past a few MiB.
std::optional<std::string> read_egg_pkg_info(std::string_view egg, std::vector<std::string>& warnings);

}  // namespace moat
