#include "analyze/lang/golang/go_elf.h"

#include <fmt/format.h>

#include <algorithm>

namespace moat::golang {
namespace {

constexpr uint32_t kLoadSegment = 1;     // PT_LOAD
constexpr uint32_t kNoBitsSection = 8;   // SHT_NOBITS: occupies no file bytes
constexpr uint32_t kExecutableFlag = 1;  // PF_X
constexpr uint32_t kWritableFlag = 2;    // PF_W
constexpr uint64_t kExtendedIndex = 0xffff;
// Every table must lie inside the file, which bounds them already; this keeps a hostile
// header from making us walk millions of entries of a large file.
constexpr uint64_t kMaxTableEntries = 1 << 20;

// Whether [offset, offset + size) lies inside a file of `file_size` bytes, without overflow.
bool inside(uint64_t offset, uint64_t size, uint64_t file_size) {
    return offset <= file_size && size <= file_size - offset;
}

}  // namespace

uint64_t ElfFile::decode(std::string_view bytes, size_t width) const {
    uint64_t value = 0;
    for (size_t i = 0; i < width && i < bytes.size(); ++i) {
        const auto byte = static_cast<uint8_t>(bytes[big_endian_ ? i : width - 1 - i]);
        value = (value << 8) | byte;
    }
    return value;
}

Result<ElfFile> ElfFile::parse(std::string_view bytes) {
    if (bytes.size() < 52 || bytes.substr(0, 4) != "\x7f" "ELF") return Error{"not an ELF file"};
    ElfFile elf;
    elf.bytes_ = bytes;
    const auto elf_class = static_cast<uint8_t>(bytes[4]);
    const auto data = static_cast<uint8_t>(bytes[5]);
    if (elf_class != 1 && elf_class != 2) return Error{fmt::format("unknown ELF class {}", elf_class)};
    if (data != 1 && data != 2) return Error{fmt::format("unknown ELF byte order {}", data)};
    elf.is_64bit_ = elf_class == 2;
    elf.big_endian_ = data == 2;
    if (elf.is_64bit_ && bytes.size() < 64) return Error{"truncated ELF header"};

    const bool wide = elf.is_64bit_;
    const uint64_t program_offset = wide ? elf.field(0x20, 8) : elf.field(0x1c, 4);
    const uint64_t section_offset = wide ? elf.field(0x28, 8) : elf.field(0x20, 4);
    const uint64_t program_entry_size = elf.field(wide ? 0x36 : 0x2a, 2);
    uint64_t program_count = elf.field(wide ? 0x38 : 0x2c, 2);
    const uint64_t section_entry_size = elf.field(wide ? 0x3a : 0x2e, 2);
    uint64_t section_count = elf.field(wide ? 0x3c : 0x30, 2);
    uint64_t names_index = elf.field(wide ? 0x3e : 0x32, 2);

    // Extended numbering: the real counts live in the first section header.
    const uint64_t min_section_entry = wide ? 64 : 40;
    if (section_offset != 0 && section_entry_size >= min_section_entry &&
        inside(section_offset, section_entry_size, bytes.size())) {
        const uint64_t first = section_offset;
        if (section_count == 0) section_count = wide ? elf.field(first + 0x20, 8) : elf.field(first + 0x14, 4);
        if (names_index == kExtendedIndex) names_index = elf.field(first + (wide ? 0x28 : 0x18), 4);
        if (program_count == kExtendedIndex) program_count = elf.field(first + (wide ? 0x2c : 0x1c), 4);
    }
    if (program_offset != 0 && program_count != 0)
        if (Status read = elf.read_segments(program_offset, program_entry_size, program_count); !read.ok())
            return read.error();
    if (section_offset != 0 && section_count != 0)
        if (Status read = elf.read_sections(section_offset, section_entry_size, section_count, names_index);
            !read.ok())
            return read.error();
    return elf;
}

Status ElfFile::read_segments(uint64_t offset, uint64_t entry_size, uint64_t count) {
    if (entry_size < (is_64bit_ ? 56u : 32u)) return Error{fmt::format("program header size {} too small", entry_size)};
    if (count > kMaxTableEntries || !inside(offset, entry_size * count, bytes_.size()))
        return Error{"program header table lies outside the file"};
    segments_.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
        const uint64_t at = offset + i * entry_size;
        Segment segment;
        segment.type = static_cast<uint32_t>(field(at, 4));
        if (is_64bit_) {
            segment.flags = static_cast<uint32_t>(field(at + 4, 4));
            segment.offset = field(at + 8, 8);
            segment.address = field(at + 16, 8);
            segment.file_size = field(at + 32, 8);
        } else {
            segment.offset = field(at + 4, 4);
            segment.address = field(at + 8, 4);
            segment.file_size = field(at + 16, 4);
            segment.flags = static_cast<uint32_t>(field(at + 24, 4));
        }
        segments_.push_back(segment);
    }
    return Status::Ok();
}

Status ElfFile::read_sections(uint64_t offset, uint64_t entry_size, uint64_t count, uint64_t names_index) {
    if (entry_size < (is_64bit_ ? 64u : 40u)) return Error{fmt::format("section header size {} too small", entry_size)};
    if (count > kMaxTableEntries || !inside(offset, entry_size * count, bytes_.size()))
        return Error{"section header table lies outside the file"};
    sections_.reserve(count);
    std::vector<uint32_t> name_offsets;
    name_offsets.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
        const uint64_t at = offset + i * entry_size;
        Section section;
        name_offsets.push_back(static_cast<uint32_t>(field(at, 4)));
        section.type = static_cast<uint32_t>(field(at + 4, 4));
        if (is_64bit_) {
            section.address = field(at + 16, 8);
            section.offset = field(at + 24, 8);
            section.size = field(at + 32, 8);
        } else {
            section.address = field(at + 12, 4);
            section.offset = field(at + 16, 4);
            section.size = field(at + 20, 4);
        }
        sections_.push_back(section);
    }
    // Names come from the section-name string table; without a usable one sections stay unnamed.
    if (names_index >= sections_.size()) return Status::Ok();
    const Section& names = sections_[names_index];
    if (names.type == kNoBitsSection || !inside(names.offset, names.size, bytes_.size())) return Status::Ok();
    const std::string_view table = bytes_.substr(names.offset, names.size);
    for (size_t i = 0; i < sections_.size(); ++i) {
        if (name_offsets[i] >= table.size()) continue;
        std::string_view name = table.substr(name_offsets[i]);
        sections_[i].name = name.substr(0, name.find('\0'));
    }
    return Status::Ok();
}

std::optional<uint64_t> ElfFile::section_address(std::string_view name) const {
    for (const auto& section : sections_)
        if (section.name == name) return section.address;
    return std::nullopt;
}

std::optional<uint64_t> ElfFile::first_writable_data_segment_address() const {
    for (const auto& segment : segments_)
        if (segment.type == kLoadSegment && (segment.flags & (kExecutableFlag | kWritableFlag)) == kWritableFlag)
            return segment.address;
    return std::nullopt;
}

std::string_view ElfFile::read_up_to(uint64_t address, uint64_t max_size) const {
    for (const auto& segment : segments_) {
        if (segment.type != kLoadSegment || address < segment.address) continue;
        const uint64_t delta = address - segment.address;
        if (delta >= segment.file_size) continue;
        // The segment's file bytes, clipped to the file: a lying header reads less, never more.
        if (segment.offset > bytes_.size() || delta >= bytes_.size() - segment.offset) continue;
        const uint64_t available = std::min(segment.file_size - delta, bytes_.size() - segment.offset - delta);
        return bytes_.substr(segment.offset + delta, std::min(available, max_size));
    }
    return {};
}

std::optional<std::string_view> ElfFile::read_exact(uint64_t address, uint64_t size) const {
    const std::string_view bytes = read_up_to(address, size);
    if (bytes.size() != size) return std::nullopt;
    return bytes;
}

}  // namespace moat::golang
