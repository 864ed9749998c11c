// Fuzzes the zipped-egg reader (libarchive zip from memory) and the metadata it yields.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/python/installed_metadata.h"
#include "analyze/lang/python/python_egg.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view egg(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    if (const auto pkg_info = moat::read_egg_pkg_info(egg, warnings)) {
        if (pkg_info->size() > (8u << 20)) std::abort();
        moat::parse_python_metadata(*pkg_info, warnings);
    }
    return 0;
}
