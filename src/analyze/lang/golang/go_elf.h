// A minimal, bounds-checked ELF reader: just enough to find where a Go binary keeps its build
// information (a named section, or the first writable data segment) and to follow the virtual
// addresses that older Go versions store there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace moat::golang {

class ElfFile {
public:
    // Reads the ELF header, program headers and section headers of `bytes` (which must outlive
    // the object). Fails when the file is not ELF or a table lies outside the file.
    static Result<ElfFile> parse(std::string_view bytes);

    bool is_64bit() const { return is_64bit_; }
    bool big_endian() const { return big_endian_; }

    // The virtual address of the section called `name`, if there is one.
    std::optional<uint64_t> section_address(std::string_view name) const;
    // The virtual address of the first loadable segment that is writable but not executable.
    std::optional<uint64_t> first_writable_data_segment_address() const;
    // The file bytes from virtual address `address` to the end of the loadable segment that holds
    // it, at most `max_size` of them; empty when no segment holds the address.
    std::string_view read_up_to(uint64_t address, uint64_t max_size) const;
    // Exactly `size` file bytes at virtual address `address`, or nullopt.
    std::optional<std::string_view> read_exact(uint64_t address, uint64_t size) const;

    // Unsigned integer of `width` bytes (1, 2, 4 or 8) in the file's byte order.
    uint64_t decode(std::string_view bytes, size_t width) const;

private:
    struct Segment {
        uint32_t type = 0;
        uint32_t flags = 0;
        uint64_t offset = 0, address = 0, file_size = 0;
    };
    struct Section {
        std::string_view name;
        uint32_t type = 0;
        uint64_t address = 0, offset = 0, size = 0;
    };

    std::string_view bytes_;
    bool is_64bit_ = false;
    bool big_endian_ = false;
    std::vector<Segment> segments_;
    std::vector<Section> sections_;

    Status read_segments(uint64_t offset, uint64_t entry_size, uint64_t count);
    Status read_sections(uint64_t offset, uint64_t entry_size, uint64_t count, uint64_t names_index);
    // The integer of `width` bytes at file offset `offset`; the caller checked the bounds.
    uint64_t field(uint64_t offset, size_t width) const { return decode(bytes_.substr(offset, width), width); }
};

}  // namespace moat::golang
