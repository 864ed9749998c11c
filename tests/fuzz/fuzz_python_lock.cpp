// Fuzzes the Python lock-file parsers: poetry.lock and uv.lock (TOML), Pipfile.lock (JSON).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/python/pipfile_lock.h"
#include "analyze/lang/python/toml_locks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    for (auto parse : {moat::parse_poetry_lock, moat::parse_uv_lock, moat::parse_pipfile_lock})
        for (const auto& package : parse(text, warnings))
            if (package.name.empty() || package.version.empty()) std::abort();
    return 0;
}
