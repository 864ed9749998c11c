#include "analyze/lang/java/java_archive.h"
#include "analyze/lang/rust/cargo_auditable.h"
#include "analyze/lang/rust/cargo_lock.h"
#include "analyze/pkg/apk_analyzer.h"
#include "analyze/pkg/dpkg_analyzer.h"
#include "analyze/pkg/rpm_analyzer.h"
#include "scanner/inventory_scanner.h"

namespace moat {

std::vector<std::unique_ptr<PackageAnalyzer>> default_package_analyzers() {
    std::vector<std::unique_ptr<PackageAnalyzer>> analyzers;
    analyzers.push_back(std::make_unique<DpkgAnalyzer>());
    analyzers.push_back(std::make_unique<ApkAnalyzer>());
    analyzers.push_back(std::make_unique<RpmAnalyzer>());
    analyzers.push_back(std::make_unique<JavaArchiveAnalyzer>());
    analyzers.push_back(std::make_unique<CargoLockAnalyzer>());
    analyzers.push_back(std::make_unique<RustBinaryAnalyzer>());
    return analyzers;
}

}  // namespace moat
