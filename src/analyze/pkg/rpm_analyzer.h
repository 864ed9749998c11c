// Installed RPM packages, read from rpm's database in any of its three formats (SQLite, NDB,
// Berkeley DB) or, on distroless CBL-Mariner / Azure Linux, from the container manifest.
// moat reads these formats itself: librpm has global state that is not thread-safe and no NDB.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"
#include "inventory/package.h"
#include "util/result.h"

namespace moat {

enum class RpmDbFormat {
    kSqlite,             // rpmdb.sqlite
    kNdb,                // Packages.db
    kBerkeleyDb,         // Packages
    kContainerManifest,  // var/lib/rpmmanifest/container-manifest-2
};

// The packages in one database file's bytes, gpg-pubkey entries left out; `path` and `layer`
// stay empty. Damaged records are skipped and described in `warnings` (when given); a file
// that cannot be read at all, or that yields problems and no package, is an Error.
Result<std::vector<Package>> read_rpm_database(std::string_view bytes, RpmDbFormat format,
                                               std::vector<std::string>* warnings = nullptr);

class RpmAnalyzer : public PackageAnalyzer {
  public:
    std::string_view name() const override { return "rpm"; }
    PathInterest interest() const override;
    // Reads the most modern database present (sqlite > ndb > bdb), falling back to the next
    // when one cannot be read at all; the manifest only when no database could be read.
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
