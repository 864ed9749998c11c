// Alpine packages: the apk database of installed packages (lib/apk/db/installed).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// Packages of an apk "installed" database: blank-line separated stanzas of "X:value" lines.
// Packages carry no path or layer. A stanza without P: or V: is dropped with a warning.
std::vector<Package> parse_apk_installed(std::string_view text, std::vector<std::string>& warnings);

class ApkAnalyzer : public PackageAnalyzer {
public:
    std::string_view name() const override { return "apk"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
