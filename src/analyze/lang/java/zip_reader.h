// A bounded reader for ZIP archives held in memory (jars and their nested jars): the central
// directory is listed without decoding names or touching entry data, and only the entries a
// caller picks are read (stored, or raw deflate through zlib). Every offset and size comes from
// untrusted bytes and is checked against the buffer before use.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "util/result.h"

namespace moat::zip {

// One central-directory record. `name` points into the archive's bytes, as stored.
struct Entry {
    std::string_view name;
    uint64_t local_header = 0;  // offset in the buffer (bytes before the archive accounted for)
    uint64_t compressed_size = 0;
    uint64_t uncompressed_size = 0;
    uint32_t crc32 = 0;
    uint16_t method = 0;  // 0 stored, 8 deflate; others are not read
    uint16_t flags = 0;
    bool regular_file = true;  // false for directories, symbolic links and other special files
};

// Where an archive's central directory is, from its end record (ZIP64 included).
class Directory {
public:
    // Finds the end record in the last 64 KiB + 22 bytes; an error when `bytes` is no ZIP archive.
    static Result<Directory> open(std::string_view bytes);

    uint64_t declared_entries() const { return entries_; }
    // Calls visit(entry) for each record in directory order while visit returns true; an error
    // (and no further call) at the first record that does not fit the directory.
    Status for_each(const std::function<bool(const Entry&)>& visit) const;

private:
    std::string_view bytes_;
    std::string_view records_;
    uint64_t base_ = 0;  // bytes before the archive proper (a launcher script, a self-extractor)
    uint64_t entries_ = 0;
};

// Hands the uncompressed data of `entry` to `sink` in pieces of at most 64 KiB, until the end or
// until sink returns false. Errors: a damaged local header or compressed stream, an encrypted
// entry, an unsupported method, or (when every byte was delivered) a CRC mismatch.
Status read_entry(std::string_view bytes, const Entry& entry, const std::function<bool(std::string_view)>& sink);

}  // namespace moat::zip
