// Fuzzes the ELF section table reader: every section it returns must lie inside the input.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyze/lang/elf/elf_sections.h"
#include "analyze/lang/rust/cargo_auditable.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    if (const auto file = moat::elf::read_sections(bytes); file.ok()) {
        for (const auto& section : file->sections) {
            const auto body = moat::elf::section_bytes(bytes, section);
            if (!body.empty() && (body.data() < bytes.data() || body.data() + body.size() > bytes.data() + bytes.size()))
                std::abort();
            if (section.type != moat::elf::kSectionNoBits && body.size() != section.size) std::abort();
        }
    }
    std::vector<std::string> warnings;
    for (const auto& package : moat::parse_cargo_auditable_binary(bytes, warnings))
        if (package.name.empty() || package.version.empty()) std::abort();
    return 0;
}
