// Fuzz target: apt Packages indexes, dependency fields and InRelease clearsign/Release parsing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fix/apt/packages_index.h"
#include "fix/apt/release_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)moat::fix::parse_packages_index(text);
    (void)moat::fix::parse_dependency_field(text);
    if (auto signed_text = moat::fix::clearsigned_text(text); signed_text.ok())
        (void)moat::fix::parse_release(*signed_text);
    (void)moat::fix::parse_release(text);
    return 0;
}
