// Fuzzes the npm lock-file parser (package-lock.json v1/v2/v3) and, on the same bytes, the
// installed package.json reader.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/javascript/node_package.h"
#include "analyze/lang/javascript/package_lock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    // Every other install path counts as installed, so that branch runs too.
    bool flip = false;
    for (const auto& package : moat::parse_package_lock(text, warnings, [&](std::string_view path) {
             return !path.empty() && (flip = !flip);
         }))
        if (package.name.empty() || package.type != "npm") std::abort();
    if (warnings.size() > 64) std::abort();  // the lock parser caps its warnings
    if (auto package = moat::parse_node_package_json(text, warnings))
        if (package->name.empty() || package->version.empty()) std::abort();
    return 0;
}
