// Fuzzes the Java archive reader (ZIP via libarchive, nested archives, manifest and Maven files).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "analyze/lang/java/java_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    moat::JarLimits limits;  // smaller budgets keep each run short; the logic is the same
    limits.max_nested_bytes = 4u << 20;
    limits.max_total_bytes = 16u << 20;
    limits.max_entries = 100'000;
    std::vector<std::string> warnings;
    for (const auto& package : moat::parse_java_archive(bytes, "app-1.0.jar", warnings, limits))
        if (package.name.empty() || package.version.empty() || package.type != "maven" ||
            !package.path.starts_with("app-1.0.jar"))
            std::abort();
    return 0;
}
