// Test support: builds small ELF files (32- or 64-bit, either byte order) with named sections,
// so readers of embedded metadata (cargo-auditable, Go build info) can be tested on any shape.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace moat::testing {

struct ElfSectionSpec {
    std::string name;
    std::string bytes;
    uint32_t type = 1;  // SHT_PROGBITS
};

class ElfBuilder {
public:
    ElfBuilder(bool is_64_bit = true, bool little_endian = true) : is_64_bit_(is_64_bit), little_endian_(little_endian) {}
    ElfBuilder& section(std::string name, std::string bytes, uint32_t type = 1) {
        sections_.push_back({std::move(name), std::move(bytes), type});
        return *this;
    }

    // Layout: ELF header, section bodies, the name table, then the section header table.
    std::string build() const {
        const size_t header_size = is_64_bit_ ? 64 : 52, entry_size = is_64_bit_ ? 64 : 40;
        std::string out(header_size, '\0');
        std::vector<std::pair<uint64_t, uint64_t>> placed;  // offset, size
        std::string names(1, '\0');
        std::vector<uint32_t> name_offsets;
        for (const auto& section : sections_) {
            placed.emplace_back(out.size(), section.bytes.size());
            out += section.bytes;
            name_offsets.push_back(static_cast<uint32_t>(names.size()));
            names += section.name + '\0';
        }
        const uint32_t strtab_name = static_cast<uint32_t>(names.size());
        names += std::string(".shstrtab") + '\0';
        const uint64_t strtab_offset = out.size();
        out += names;
        while (out.size() % 8) out.push_back('\0');
        const uint64_t table = out.size();
        const uint16_t count = static_cast<uint16_t>(sections_.size() + 2);

        out.replace(0, 4, "\x7f" "ELF");
        out[4] = is_64_bit_ ? 2 : 1;
        out[5] = little_endian_ ? 1 : 2;
        out[6] = 1;
        put(out, 16, 2, 2);   // ET_EXEC
        put(out, 18, 2, 62);  // x86-64
        put(out, 20, 4, 1);
        put(out, is_64_bit_ ? 40 : 32, is_64_bit_ ? 8 : 4, table);
        put(out, is_64_bit_ ? 52 : 40, 2, header_size);
        put(out, is_64_bit_ ? 58 : 46, 2, entry_size);
        put(out, is_64_bit_ ? 60 : 48, 2, count);
        put(out, is_64_bit_ ? 62 : 50, 2, count - 1);  // the name table is last

        out.append(entry_size, '\0');  // section 0
        for (size_t i = 0; i < sections_.size(); ++i)
            append_header(out, name_offsets[i], sections_[i].type, placed[i].first, placed[i].second);
        append_header(out, strtab_name, 3 /* SHT_STRTAB */, strtab_offset, names.size());
        return out;
    }

    // Writes `value` at `offset` in `width` bytes of the chosen byte order.
    void put(std::string& out, size_t offset, unsigned width, uint64_t value) const {
        for (unsigned i = 0; i < width; ++i) {
            const unsigned shift = 8 * (little_endian_ ? i : width - 1 - i);
            out[offset + i] = static_cast<char>((value >> shift) & 0xff);
        }
    }

private:
    void append_header(std::string& out, uint32_t name, uint32_t type, uint64_t offset, uint64_t size) const {
        const size_t at = out.size();
        out.append(is_64_bit_ ? 64 : 40, '\0');
        put(out, at, 4, name);
        put(out, at + 4, 4, type);
        put(out, at + (is_64_bit_ ? 24 : 16), is_64_bit_ ? 8 : 4, offset);
        put(out, at + (is_64_bit_ ? 32 : 20), is_64_bit_ ? 8 : 4, size);
    }

    bool is_64_bit_, little_endian_;
    std::vector<ElfSectionSpec> sections_;
};

}  // namespace moat::testing
