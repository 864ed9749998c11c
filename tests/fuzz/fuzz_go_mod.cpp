// Fuzzes the go.mod and go.sum parsers on the same input.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/golang/go_mod.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    for (const auto& package : moat::golang::parse_go_mod(text, warnings, {.apply_replace = true, .stdlib_from_toolchain = true}))
        if (package.type != "golang" || package.name.empty()) std::abort();
    for (const auto& package : moat::golang::parse_go_sum(text, warnings))
        if (package.name.empty() || package.version.empty()) std::abort();
    return 0;
}
