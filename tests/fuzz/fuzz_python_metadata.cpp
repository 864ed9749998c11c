// Fuzzes the Python core-metadata parser (dist-info/METADATA, egg-info/PKG-INFO).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/python/installed_metadata.h"
#include "analyze/lang/python/python_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    const auto package = moat::parse_python_metadata(text, warnings);
    if (package) {
        if (package->name.empty() || package->version.empty()) std::abort();
        // Everything reported must survive JSON output: valid UTF-8 only.
        for (const auto& license : package->licenses)
            if (moat::python::to_valid_utf8(license) != license) std::abort();
        if (moat::python::to_valid_utf8(package->name) != package->name) std::abort();
    }
    return 0;
}
