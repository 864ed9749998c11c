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
