// Fuzzes the pip requirements.txt parser (BOM decoding, continuations, pins).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/python/python_text.h"
#include "analyze/lang/python/requirements_txt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    for (const auto& package : moat::parse_requirements_txt(text, warnings))
        if (!moat::python::is_distribution_name(package.name) ||
            !moat::python::is_pinned_version(package.version))
            std::abort();
    return 0;
}
