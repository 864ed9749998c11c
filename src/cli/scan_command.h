// `moat sbom` and `moat scan`: inventory an image, match it against the vulnerability database,
// filter and report.
#pragma once

#include <memory>

#include "cli/scan_options.h"
#include "scanner/inventory_scanner.h"
#include "vulndb/vulndb.h"

namespace moat {

int run_sbom(const ImageOptions& options);

// Shared with `moat fix`: the image's inventory (packages sorted), and the vulnerability
// database at --db (refreshed when stale, else the bundled sample).
class RiskScan;
Result<ImageInventory> inventory_image(const ImageOptions& options, RiskScan* risks = nullptr);
Result<std::unique_ptr<VulnDatabase>> prepare_database(const ScanOptions& options);
int run_scan(const ScanOptions& options);

}  // namespace moat
