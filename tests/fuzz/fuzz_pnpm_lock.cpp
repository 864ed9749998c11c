// Fuzzes the pnpm-lock.yaml parser and the restricted YAML reader under it.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/javascript/pnpm_lock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    for (const auto& package : moat::parse_pnpm_lock(text, warnings))
        if (package.name.empty() || package.type != "npm") std::abort();
    return 0;
}
