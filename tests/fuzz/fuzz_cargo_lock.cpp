// Fuzzes the Cargo.lock parser (over the shared lock-file TOML reader, see fuzz_lock_toml).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/rust/cargo_lock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    for (const auto& package : moat::parse_cargo_lock(text, warnings))
        if (package.name.empty() || package.version.empty() || package.type != "cargo") std::abort();
    return 0;
}
