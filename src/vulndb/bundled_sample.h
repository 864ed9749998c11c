// The small sample of real advisories built into the binary (data/vulndb-sample), so that a scan
// on a machine with no route to the public OSV export still finds something, and says so.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/embedded_file.h"
#include "util/result.h"

namespace moat {

const std::vector<EmbeddedFile>& bundled_sample_files();

// Writes the sample into moat's private temp dir and returns that directory, ready to be used
// as an update source.
Result<std::filesystem::path> extract_bundled_sample();

}  // namespace moat
