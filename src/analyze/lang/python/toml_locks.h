// TOML lock files of Python project managers: poetry.lock (Poetry 1.x and 2.x) and uv.lock.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "inventory/package.h"

namespace moat {

// Every [[package]] of a poetry.lock (type pypi, name and version as written). dev is set
// where the lock says the package serves only development: Poetry 1.x `category = "dev"`,
// Poetry 2.x `groups` without "main". Malformed TOML gives a warning and no packages.
std::vector<Package> parse_poetry_lock(std::string_view text, std::vector<std::string>& warnings);

// Every [[package]] of a uv.lock that has a version. The project itself is the package whose
// source is `editable = "."` or `virtual = "."`; packages it does not reach through
// `dependencies` or `optional-dependencies` (only through its dev-dependency groups) are
// flagged dev. Without such a root nothing is flagged.
std::vector<Package> parse_uv_lock(std::string_view text, std::vector<std::string>& warnings);

}  // namespace moat
