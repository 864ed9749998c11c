// `moat sbom` and `moat scan`: inventory an image, match it against the vulnerability database,
// filter and report.
#pragma once

#include "cli/scan_options.h"

namespace moat {

int run_sbom(const ImageOptions& options);
int run_scan(const ScanOptions& options);

}  // namespace moat
