// One RPM header blob as rpm stores it in its databases (BDB, NDB, SQLite): the fields a
// scanner needs, read with every offset and count checked, since the bytes are untrusted.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace moat::rpm {

// rpm's own sanity limits (header.c hdrchkTags / hdrchkData): at most 0xffff index entries and
// a data store below 16 MiB. Database readers refuse blobs larger than this.
inline constexpr uint32_t kMaxIndexEntries = 0xffff;
inline constexpr uint32_t kMaxDataBytes = 0x00ffffff;
inline constexpr uint64_t kMaxHeaderBlobBytes = 8 + 16ull * kMaxIndexEntries + kMaxDataBytes;

struct RpmHeader {
    std::string name;
    std::string version;
    std::string release;
    std::optional<long> epoch;  // absent when the header has no EPOCH tag
    std::string arch;
    std::string source_rpm;  // "util-linux-2.32.1-42.el8_8.src.rpm"
    std::string license;
    std::string vendor;
    std::string modularity_label;
    std::vector<std::string> files;  // full paths, without the leading '/'
};

// Parses an "immutable region" header blob: big-endian index count and data length, then
// 16-byte index entries {tag, type, offset, count}, then the data store.
Result<RpmHeader> parse_header(std::string_view blob);

struct SourceRpm {
    std::string name;
    std::string version;
    std::string release;
};

// "util-linux-2.32.1-42.el8_8.src.rpm" -> {util-linux, 2.32.1, 42.el8_8}; nullopt when the
// string does not have that shape.
std::optional<SourceRpm> split_source_rpm(std::string_view source_rpm);

// What the database readers hand out: each stored header blob with the record number the
// database filed it under (BDB key, NDB package index, SQLite hnum), for warnings.
using HeaderBlobVisitor = std::function<void(uint32_t record, std::string_view blob)>;

// Per-record problems go to a warnings list; a hostile file must not be able to grow that
// list without bound, so readers add through this, which keeps the first few.
void add_capped_warning(std::vector<std::string>& warnings, std::string message);

}  // namespace moat::rpm
