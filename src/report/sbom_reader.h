// Reads a `moat sbom --format json` document back into an inventory, so a stored inventory can
// be matched again against a newer vulnerability database without reading any layer (the
// registry's rematch, and `moat scan sbom:FILE` later).
#pragma once

#include <string_view>

#include "scanner/inventory_scanner.h"
#include "util/result.h"

namespace moat {

// Errors name the package index and field that is wrong. The image config is not part of the
// document and stays null.
Result<ImageInventory> inventory_from_sbom_json(std::string_view json);

}  // namespace moat
