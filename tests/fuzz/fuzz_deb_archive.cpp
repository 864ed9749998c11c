// Fuzz target: .deb files (ar + control/data tarballs) read and validated in memory.
#include <cstddef>
#include <cstdint>

#include "fix/apt/deb_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)moat::fix::read_and_validate_deb_memory(data, size, "fuzz.deb");
    return 0;
}
