// Debian packages: the dpkg status database (var/lib/dpkg/status), the one-stanza-per-file
// layout of distroless images (var/lib/dpkg/status.d/), and the files each package owns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {


// Installed packages of one status file. `status_d_file`: a distroless status.d/ stanza file,
// where a missing Status: field is normal (kept) rather than damage. Packages carry no path or
// layer. Dropped stanzas that look damaged (no name, bad version) are noted in `warnings`.
std::vector<Package> parse_dpkg_status(std::string_view text, bool status_d_file,
                                       std::vector<std::string>& warnings);

class DpkgAnalyzer : public PackageAnalyzer {
public:
    std::string_view name() const override { return "dpkg"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
