// Node packages locked by pnpm: pnpm-lock.yaml, lockfileVersion 5.x, 6.x and 9.x.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// The packages a pnpm-lock.yaml pins (type npm), each name@version once; no path or layer.
// - 5.x keys "/name/1.0.0_peer", 6.x "/name@1.0.0(peer)", 9.x "name@1.0.0(peer)": the
//   peer-dependency suffix is not part of the version. Entries of tarballs, git or local
//   directories take name and version from their own fields (a directory without one has none).
// - 5.x/6.x mark development-only packages "dev: true": those are left out, as both Trivy and
//   Syft do by default. 9.x has no such mark: a package reached only from importers'
//   devDependencies is reported with dev set.
// - Several YAML documents: each is read, except the "env" document pnpm writes for its own
//   installation (importers with only packageManagerDependencies / configDependencies).
std::vector<Package> parse_pnpm_lock(std::string_view text, std::vector<std::string>& warnings);

class PnpmLockAnalyzer : public PackageAnalyzer {
public:
    std::string_view name() const override { return "pnpm"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
