// `moat sbom` output: the JSON document of CLI.md and a readable table.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "scanner/inventory_scanner.h"

namespace moat {

nlohmann::json image_json(const ImageMetadata& image);
nlohmann::json os_json(const std::optional<OsInfo>& os);
nlohmann::json package_json(const Package& package, const OsInfo* os);
nlohmann::json sbom_json(const ImageInventory& inventory);
std::string sbom_table(const ImageInventory& inventory);

}  // namespace moat
