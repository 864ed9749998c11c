// Fuzzes the dpkg status parser in both modes (status file and distroless status.d file).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/pkg/dpkg_analyzer.h"
#include "vulndb/version/dpkg_version.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (bool status_d_file : {false, true}) {
        std::vector<std::string> warnings;
        for (const auto& package : moat::parse_dpkg_status(text, status_d_file, warnings)) {
            // Every reported package is named, and its version is valid (or, in status.d only,
            // absent).
            if (package.name.empty()) std::abort();
            if (!moat::dpkg_version_valid(package.version) &&
                !(status_d_file && package.version.empty()))
                std::abort();
        }
    }
    return 0;
}
