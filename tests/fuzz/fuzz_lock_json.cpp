// Fuzzes the JSON-based readers of PHP and .NET (composer.lock, installed.json,
// packages.lock.json, *.deps.json) and the packages.config reader on the same input, after the
// byte-order-mark decoding their analyzers apply.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "analyze/lang/dotnet/deps_json.h"
#include "analyze/lang/dotnet/nuget_lock.h"
#include "analyze/lang/dotnet/packages_config.h"
#include "analyze/lang/lock_text.h"
#include "analyze/lang/php/composer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text =
        moat::decode_lock_text(std::string_view(reinterpret_cast<const char*>(data), size));
    std::vector<std::string> warnings;
    for (const auto parse : {moat::parse_composer_lock, moat::parse_composer_installed,
                             moat::parse_nuget_lock, moat::parse_deps_json,
                             moat::parse_packages_config})
        for (const auto& package : parse(text, warnings))
            if (package.name.empty() || package.version.empty()) std::abort();
    return 0;
}
