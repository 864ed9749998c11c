#include "scanner/inventory_scanner.h"

namespace moat {

std::vector<std::unique_ptr<PackageAnalyzer>> default_package_analyzers() {
    std::vector<std::unique_ptr<PackageAnalyzer>> analyzers;
    return analyzers;
}

}  // namespace moat
