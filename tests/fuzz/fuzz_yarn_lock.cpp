// Fuzzes the yarn.lock parser (classic and berry).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/javascript/yarn_lock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    for (const auto& package : moat::parse_yarn_lock(text, warnings))
        if (package.name.empty() || package.version.empty() || package.type != "npm") std::abort();
    if (warnings.size() > 20) std::abort();
    return 0;
}
