// Fuzzes the Gemfile.lock reader.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/ruby/gemfile_lock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    for (const auto& package : moat::parse_gemfile_lock(text, warnings))
        if (package.name.empty() || package.version.empty() ||
            package.version.find('-') != std::string::npos || package.type != "gem")
            std::abort();
    return 0;
}
