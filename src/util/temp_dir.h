// moat's private temporary directory (mode 0700, removed at exit): the only place on disk moat
// writes to while reading images.
#pragma once

#include <filesystem>

#include "util/result.h"

namespace moat {

// Created on first use under $TMPDIR (or /tmp).
Result<std::filesystem::path> private_temp_dir();

}  // namespace moat
