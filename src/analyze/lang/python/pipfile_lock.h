// Pipenv lock files (Pipfile.lock, JSON).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "inventory/package.h"

namespace moat {

// The packages of the "default" section (type pypi, version without its "==").
// The "develop" section is not reported: Trivy and Syft both leave it out, and what an image
// runs comes from "default". Entries without a pinned version (editable paths, VCS checkouts)
// are skipped. Malformed JSON gives a warning and no packages.
std::vector<Package> parse_pipfile_lock(std::string_view text, std::vector<std::string>& warnings);

}  // namespace moat
