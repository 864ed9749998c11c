// Fuzzes the apk installed-database parser.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/pkg/apk_analyzer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    for (const auto& package : moat::parse_apk_installed(text, warnings))
        if (package.name.empty() || package.version.empty() || package.source_name.empty())
            std::abort();
    return 0;
}
