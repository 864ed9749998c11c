// Fuzzes the installed-gemspec reader (a reader of Ruby literals, never an evaluator).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/ruby/gemspec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    const auto package = moat::parse_gemspec(text, warnings);
    if (package && (package->name.empty() || package->version.empty() ||
                    package->name.find(' ') != std::string::npos))
        std::abort();
    if (!package && warnings.empty()) std::abort();  // a refusal always says why
    return 0;
}
