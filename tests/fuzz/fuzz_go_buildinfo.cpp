// Fuzzes the Go build info reader (ELF headers, the build info header in both layouts, modinfo).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/golang/go_binary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    for (const auto& package : moat::golang::parse_go_binary(bytes, warnings))
        if (package.type != "golang" || package.name.empty()) std::abort();
    return 0;
}
