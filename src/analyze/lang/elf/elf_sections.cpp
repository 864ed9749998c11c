#include "analyze/lang/elf/elf_sections.h"

#include <fmt/format.h>

namespace moat::elf {
namespace {

constexpr std::string_view kMagic = "\x7f" "ELF";
constexpr uint16_t kExtendedIndex = 0xffff;  // SHN_XINDEX: the real value lives in section 0
// Executables carry a few dozen sections; a table claiming more is damage, not a binary.
constexpr uint64_t kMaxSections = 1u << 16;

// Fixed-width reads at checked offsets, in the file's byte order.
class Reader {
public:
    Reader(std::string_view bytes, bool little_endian) : bytes_(bytes), little_endian_(little_endian) {}

    bool fits(uint64_t offset, uint64_t size) const {
        return offset <= bytes_.size() && size <= bytes_.size() - offset;
    }
    uint64_t read(uint64_t offset, unsigned width) const {  // caller checked fits(offset, width)
        uint64_t value = 0;
        for (unsigned i = 0; i < width; ++i) {
            const auto byte = static_cast<unsigned char>(bytes_[offset + (little_endian_ ? width - 1 - i : i)]);
            value = (value << 8) | byte;
        }
        return value;
    }

private:
    std::string_view bytes_;
    bool little_endian_;
};

// Where the header fields sit for one ELF class.
struct Layout {
    unsigned header_size, word;
    unsigned shoff, shentsize, shnum, shstrndx;
    unsigned section_size, sh_flags, sh_addr, sh_offset, sh_size, sh_link;
};
constexpr Layout kLayout32{52, 4, 32, 46, 48, 50, 40, 8, 12, 16, 20, 24};
constexpr Layout kLayout64{64, 8, 40, 58, 60, 62, 64, 8, 16, 24, 32, 40};

struct RawSection {
    uint32_t name_offset = 0, type = 0, link = 0;
    uint64_t flags = 0, address = 0, offset = 0, size = 0;
};

RawSection read_section(const Reader& in, const Layout& layout, uint64_t at) {
    RawSection section;
    section.name_offset = static_cast<uint32_t>(in.read(at, 4));
    section.type = static_cast<uint32_t>(in.read(at + 4, 4));
    section.flags = in.read(at + layout.sh_flags, layout.word);
    section.address = in.read(at + layout.sh_addr, layout.word);
    section.offset = in.read(at + layout.sh_offset, layout.word);
    section.size = in.read(at + layout.sh_size, layout.word);
    section.link = static_cast<uint32_t>(in.read(at + layout.sh_link, 4));
    return section;
}

}  // namespace

bool has_elf_magic(std::string_view bytes) { return bytes.starts_with(kMagic); }

Result<ElfFile> read_sections(std::string_view bytes) {
    if (!has_elf_magic(bytes)) return Error{"not an ELF file"};
    if (bytes.size() < 16) return Error{"ELF identification is truncated"};
    ElfFile file;
    const auto elf_class = static_cast<unsigned char>(bytes[4]);
    const auto data = static_cast<unsigned char>(bytes[5]);
    if (elf_class != 1 && elf_class != 2) return Error{fmt::format("unknown ELF class {}", elf_class)};
    if (data != 1 && data != 2) return Error{fmt::format("unknown ELF byte order {}", data)};
    file.is_64_bit = elf_class == 2;
    file.little_endian = data == 1;
    const Layout& layout = file.is_64_bit ? kLayout64 : kLayout32;
    const Reader in(bytes, file.little_endian);
    if (!in.fits(0, layout.header_size)) return Error{"ELF header is truncated"};
    file.machine = static_cast<uint16_t>(in.read(18, 2));

    const uint64_t table = in.read(layout.shoff, layout.word);
    const uint64_t entry_size = in.read(layout.shentsize, 2);
    uint64_t count = in.read(layout.shnum, 2);
    uint64_t names_index = in.read(layout.shstrndx, 2);
    if (table == 0) return file;  // no section table (stripped of it, or a core file)
    if (entry_size < layout.section_size)
        return Error{fmt::format("section header size {} is below {}", entry_size, layout.section_size)};
    if (!in.fits(table, entry_size)) return Error{"section table lies outside the file"};
    // Extended numbering: a count of 0 or a name index of SHN_XINDEX defer to section 0.
    const RawSection first = read_section(in, layout, table);
    if (count == 0) count = first.size;
    if (names_index == kExtendedIndex) names_index = first.link;
    if (count > kMaxSections) return Error{fmt::format("section table claims {} sections", count)};
    if (!in.fits(table, count * entry_size))
        return Error{fmt::format("section table of {} entries runs past the end of the file", count)};

    std::vector<RawSection> raw;
    raw.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
        raw.push_back(read_section(in, layout, table + i * entry_size));
        const RawSection& section = raw.back();
        if (section.type != kSectionNoBits && !in.fits(section.offset, section.size))
            return Error{fmt::format("section {} ({} bytes at {}) lies outside the file", i, section.size,
                                     section.offset)};
    }
    std::string_view names;
    if (names_index != 0) {  // SHN_UNDEF: the sections have no names
        if (names_index >= count) return Error{fmt::format("section name table index {} is out of range", names_index)};
        const RawSection& strtab = raw[names_index];
        if (strtab.type == kSectionNoBits) return Error{"section name table has no bytes"};
        names = bytes.substr(strtab.offset, strtab.size);
    }
    file.sections.reserve(count);
    for (const auto& section : raw) {
        Section out;
        if (!names.empty() && section.name_offset != 0) {
            if (section.name_offset >= names.size())
                return Error{fmt::format("section name offset {} is outside the name table", section.name_offset)};
            const auto name = names.substr(section.name_offset);
            const auto end = name.find('\0');
            if (end == std::string_view::npos) return Error{"section name is not terminated"};
            out.name = std::string(name.substr(0, end));
        }
        out.type = section.type;
        out.flags = section.flags;
        out.address = section.address;
        out.offset = section.offset;
        out.size = section.size;
        file.sections.push_back(std::move(out));
    }
    return file;
}

std::string_view section_bytes(std::string_view bytes, const Section& section) {
    if (section.type == kSectionNoBits || section.offset > bytes.size()) return {};
    return bytes.substr(section.offset, section.size);
}

Result<std::optional<std::string_view>> find_section(std::string_view bytes, std::string_view name) {
    auto file = read_sections(bytes);
    if (!file) return file.error();
    for (const auto& section : file->sections)
        if (section.name == name) {
            if (section.type == kSectionNoBits) return std::optional<std::string_view>{};
            return std::optional<std::string_view>{section_bytes(bytes, section)};
        }
    return std::optional<std::string_view>{};
}

}  // namespace moat::elf
