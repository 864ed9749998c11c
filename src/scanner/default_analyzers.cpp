#include "analyze/lang/python/python_analyzers.h"
#include "analyze/lang/golang/go_binary.h"
#include "analyze/lang/golang/go_mod.h"
#include "analyze/lang/javascript/node_package.h"
#include "analyze/lang/javascript/package_lock.h"
#include "analyze/lang/javascript/pnpm_lock.h"
#include "analyze/lang/javascript/yarn_lock.h"
#include "analyze/lang/java/java_archive.h"
#include "analyze/lang/rust/cargo_auditable.h"
#include "analyze/lang/rust/cargo_lock.h"
#include "analyze/lang/dotnet/deps_json.h"
#include "analyze/lang/dotnet/nuget_lock.h"
#include "analyze/lang/dotnet/packages_config.h"
#include "analyze/lang/php/composer.h"
#include "analyze/lang/ruby/gemfile_lock.h"
#include "analyze/lang/ruby/gemspec.h"
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
    for (auto& python : python_package_analyzers()) analyzers.push_back(std::move(python));
    analyzers.push_back(std::make_unique<GoBinaryAnalyzer>());
    analyzers.push_back(std::make_unique<GoModAnalyzer>());
    analyzers.push_back(std::make_unique<NodePackageAnalyzer>());
    analyzers.push_back(std::make_unique<NpmLockAnalyzer>());
    analyzers.push_back(std::make_unique<YarnLockAnalyzer>());
    analyzers.push_back(std::make_unique<PnpmLockAnalyzer>());
    analyzers.push_back(std::make_unique<JavaArchiveAnalyzer>());
    analyzers.push_back(std::make_unique<CargoLockAnalyzer>());
    analyzers.push_back(std::make_unique<RustBinaryAnalyzer>());
    analyzers.push_back(std::make_unique<GemfileLockAnalyzer>());
    analyzers.push_back(std::make_unique<GemspecAnalyzer>());
    analyzers.push_back(std::make_unique<ComposerLockAnalyzer>());
    analyzers.push_back(std::make_unique<ComposerInstalledAnalyzer>());
    analyzers.push_back(std::make_unique<NugetLockAnalyzer>());
    analyzers.push_back(std::make_unique<PackagesConfigAnalyzer>());
    analyzers.push_back(std::make_unique<DepsJsonAnalyzer>());
    return analyzers;
}

}  // namespace moat
