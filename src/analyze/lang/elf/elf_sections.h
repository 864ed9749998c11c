// The section table of an ELF file (32- or 64-bit, either byte order), read from untrusted
// bytes: language analyzers find the metadata a build tool embedded in a binary by section
// name (cargo-auditable's ".dep-v0", Go's ".go.buildinfo").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace moat::elf {

inline constexpr uint32_t kSectionNoBits = 8;  // SHT_NOBITS: occupies no bytes in the file

struct Section {
    std::string name;
    uint32_t type = 0;
    uint64_t flags = 0;
    uint64_t address = 0;  // virtual address when loaded
    uint64_t offset = 0;   // in the file
    uint64_t size = 0;
};

struct ElfFile {
    bool is_64_bit = false;
    bool little_endian = true;
    uint16_t machine = 0;  // e_machine (62 = x86-64, 183 = AArch64, ...)
    std::vector<Section> sections;
};

// Whether `bytes` starts with the ELF magic.
bool has_elf_magic(std::string_view bytes);

// The header and section table. Every offset, size and name is checked against the file; an
// Error says what is malformed. A file without a section table has no sections (not an error).
Result<ElfFile> read_sections(std::string_view bytes);

// The file bytes of `section` (a view into `bytes`): empty for SHT_NOBITS sections. The
// section must come from read_sections(bytes), which checked its bounds.
std::string_view section_bytes(std::string_view bytes, const Section& section);

// The bytes of the first section called `name`; nullopt when there is none (or it has no bytes
// in the file), an Error when the file is not a well-formed ELF.
Result<std::optional<std::string_view>> find_section(std::string_view bytes, std::string_view name);

}  // namespace moat::elf
