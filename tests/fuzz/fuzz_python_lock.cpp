// Fuzzes the Pipfile.lock parser (JSON); poetry.lock and uv.lock are fuzz_lock_toml's.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/python/pipfile_lock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    for (const auto& package : moat::parse_pipfile_lock(text, warnings))
        if (package.name.empty() || package.version.empty()) std::abort();
    return 0;
}
