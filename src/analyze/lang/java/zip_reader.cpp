#include "analyze/lang/java/zip_reader.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <limits>

namespace moat::zip {
namespace {

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kDirectoryRecordSignature = 0x02014b50;
constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kDirectoryRecordSize = 46;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kMaxCommentSize = 0xffff;
constexpr size_t kPieceSize = 64u << 10;

uint16_t u16(std::string_view bytes, size_t at) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
    return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t u32(std::string_view bytes, size_t at) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
    return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
           (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t u64(std::string_view bytes, size_t at) {
    return static_cast<uint64_t>(u32(bytes, at)) | (static_cast<uint64_t>(u32(bytes, at + 4)) << 32);
}

// Whether [offset, offset + length) lies inside a buffer of `size` bytes (no overflow).
bool fits(uint64_t offset, uint64_t length, uint64_t size) { return offset <= size && length <= size - offset; }

// The ZIP64 end record a locator just before the end record at `end` points to, or npos.
size_t find_zip64_end(std::string_view bytes, size_t end) {
    if (end < kZip64LocatorSize) return std::string_view::npos;
    const size_t locator = end - kZip64LocatorSize;
    if (u32(bytes, locator) != kZip64LocatorSignature) return std::string_view::npos;
    // The locator's offset is relative to the archive's start; with bytes prepended the record
    // still sits right before the locator (its extensible data is never used in jars).
    const uint64_t stated = u64(bytes, locator + 8);
    for (const uint64_t candidate : {stated, static_cast<uint64_t>(locator) - std::min<uint64_t>(locator, kZip64EndSize)})
        if (fits(candidate, kZip64EndSize, locator) && u32(bytes, static_cast<size_t>(candidate)) == kZip64EndSignature)
            return static_cast<size_t>(candidate);
    return std::string_view::npos;
}

// The fields of the ZIP64 extended-information extra field that replace the record's 0xffffffff.
void apply_zip64_extra(std::string_view extra, Entry& entry, bool& offset_overflow) {
    const bool need_uncompressed = entry.uncompressed_size == 0xffffffff;
    const bool need_compressed = entry.compressed_size == 0xffffffff;
    offset_overflow = entry.local_header == 0xffffffff;
    for (size_t at = 0; at + 4 <= extra.size();) {
        const uint16_t id = u16(extra, at);
        const size_t size = u16(extra, at + 2);
        at += 4;
        if (size > extra.size() - at) return;
        if (id == 0x0001) {
            const std::string_view field = extra.substr(at, size);
            size_t next = 0;
            auto take = [&](uint64_t& value) {
                if (next + 8 > field.size()) return;
                value = u64(field, next);
                next += 8;
            };
            if (need_uncompressed) take(entry.uncompressed_size);
            if (need_compressed) take(entry.compressed_size);
            if (offset_overflow) {
                const size_t before = next;
                take(entry.local_header);
                offset_overflow = next == before;
            }
            return;
        }
        at += size;
    }
}

}  // namespace

Result<Directory> Directory::open(std::string_view bytes) {
    if (bytes.size() < kEndSize) return Error{"too short for a ZIP end record"};
    // The end record is the last thing in the archive, followed only by its comment (< 64 KiB).
    const size_t lowest = bytes.size() - kEndSize - std::min(bytes.size() - kEndSize, kMaxCommentSize);
    size_t end = std::string_view::npos;
    for (size_t at = bytes.size() - kEndSize + 1; at-- > lowest;) {
        if (bytes[at] != 'P' || u32(bytes, at) != kEndSignature) continue;
        if (at + kEndSize + u16(bytes, at + 20) <= bytes.size()) {
            end = at;
            break;
        }
    }
    if (end == std::string_view::npos) return Error{"no end of central directory record"};

    uint64_t entries = u16(bytes, end + 10);
    uint64_t directory_size = u32(bytes, end + 12);
    uint64_t directory_offset = u32(bytes, end + 16);
    size_t directory_end = end;  // the central directory is followed by the (ZIP64) end record
    if (const size_t end64 = find_zip64_end(bytes, end); end64 != std::string_view::npos) {
        entries = u64(bytes, end64 + 32);
        directory_size = u64(bytes, end64 + 40);
        directory_offset = u64(bytes, end64 + 48);
        directory_end = end64;
    } else if (entries == 0xffff && directory_offset == 0xffffffff) {
        return Error{"ZIP64 end record missing"};
    }
    if (directory_size > directory_end || directory_offset > directory_end - directory_size)
        return Error{"central directory outside the archive"};
    if (entries > directory_size / kDirectoryRecordSize) return Error{"more entries declared than the directory holds"};

    Directory directory;
    directory.bytes_ = bytes;
    directory.records_ = bytes.substr(directory_end - directory_size, directory_size);
    directory.base_ = directory_end - directory_size - directory_offset;
    directory.entries_ = entries;
    return directory;
}

Status Directory::for_each(const std::function<bool(const Entry&)>& visit) const {
    size_t at = 0;
    for (uint64_t index = 0; index < entries_; ++index) {
        if (!fits(at, kDirectoryRecordSize, records_.size()) || u32(records_, at) != kDirectoryRecordSignature)
            return Error{fmt::format("central directory record {} is damaged", index)};
        const size_t name_size = u16(records_, at + 28);
        const size_t extra_size = u16(records_, at + 30);
        const size_t comment_size = u16(records_, at + 32);
        const size_t record_size = kDirectoryRecordSize + name_size + extra_size + comment_size;
        if (!fits(at, record_size, records_.size()))
            return Error{fmt::format("central directory record {} is truncated", index)};

        Entry entry;
        const uint16_t made_by_system = static_cast<uint16_t>(u16(records_, at + 4) >> 8);
        entry.flags = u16(records_, at + 8);
        entry.method = u16(records_, at + 10);
        entry.crc32 = u32(records_, at + 16);
        entry.compressed_size = u32(records_, at + 20);
        entry.uncompressed_size = u32(records_, at + 24);
        const uint32_t external = u32(records_, at + 38);
        entry.local_header = u32(records_, at + 42);
        entry.name = records_.substr(at + kDirectoryRecordSize, name_size);
        bool offset_overflow = false;
        apply_zip64_extra(records_.substr(at + kDirectoryRecordSize + name_size, extra_size), entry, offset_overflow);
        if (offset_overflow || entry.local_header > bytes_.size() - base_) {
            entry.local_header = bytes_.size();  // read_entry reports it; listing goes on
        } else {
            entry.local_header += base_;
        }
        // Unix-made entries carry their file type in the high half of the external attributes,
        // MS-DOS-made ones a directory bit; a trailing '/' marks a directory for everyone.
        const uint32_t unix_type = (external >> 16) & 0170000;
        if (!entry.name.empty() && entry.name.back() == '/') entry.regular_file = false;
        else if (made_by_system == 3 && unix_type != 0 && unix_type != 0100000) entry.regular_file = false;
        else if (made_by_system == 0 && (external & 0x10) != 0) entry.regular_file = false;

        if (!visit(entry)) return Status::Ok();
        at += record_size;
    }
    return Status::Ok();
}

Status read_entry(std::string_view bytes, const Entry& entry, const std::function<bool(std::string_view)>& sink) {
    if (entry.flags & 0x1) return Error{"encrypted entry"};
    if (entry.method != 0 && entry.method != 8) return Error{fmt::format("unsupported compression method {}", entry.method)};
    if (!fits(entry.local_header, kLocalHeaderSize, bytes.size()) ||
        u32(bytes, static_cast<size_t>(entry.local_header)) != kLocalHeaderSignature)
        return Error{"bad local file header"};
    const size_t header = static_cast<size_t>(entry.local_header);
    const uint64_t data_start =
        entry.local_header + kLocalHeaderSize + u16(bytes, header + 26) + u16(bytes, header + 28);
    if (!fits(data_start, entry.compressed_size, bytes.size())) return Error{"entry data past the end of the archive"};
    std::string_view data = bytes.substr(static_cast<size_t>(data_start), static_cast<size_t>(entry.compressed_size));

    uLong crc = crc32(0L, Z_NULL, 0);
    if (entry.method == 0) {
        while (!data.empty()) {
            const auto piece = data.substr(0, kPieceSize);
            data.remove_prefix(piece.size());
            crc = crc32(crc, reinterpret_cast<const Bytef*>(piece.data()), static_cast<uInt>(piece.size()));
            if (!sink(piece)) return Status::Ok();
        }
    } else {
        z_stream stream{};
        if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) return Error{"cannot start inflate"};
        struct End {
            z_stream& stream;
            ~End() { inflateEnd(&stream); }
        } end{stream};
        std::array<char, kPieceSize> out;
        for (;;) {
            // avail_in is 32 bits: feed entries above 4 GiB in slices.
            if (stream.avail_in == 0 && !data.empty()) {
                const size_t slice = std::min<size_t>(data.size(), std::numeric_limits<uInt>::max());
                stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
                stream.avail_in = static_cast<uInt>(slice);
                data.remove_prefix(slice);
            }
            stream.next_out = reinterpret_cast<Bytef*>(out.data());
            stream.avail_out = static_cast<uInt>(out.size());
            const uInt input_before = stream.avail_in;
            const int status = inflate(&stream, Z_NO_FLUSH);
            const size_t produced = out.size() - stream.avail_out;
            if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR)
                return Error{fmt::format("damaged deflate data: {}", stream.msg ? stream.msg : "unknown error")};
            if (produced > 0) {
                crc = crc32(crc, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(produced));
                if (!sink(std::string_view(out.data(), produced))) return Status::Ok();
            }
            if (status == Z_STREAM_END) break;
            if (produced == 0 && stream.avail_in == input_before) {
                if (stream.avail_in == 0 && data.empty()) return Error{"truncated deflate data"};
                return Error{"deflate data makes no progress"};  // cannot happen with room to write; never spin
            }
        }
    }
    if (crc != entry.crc32) return Error{"CRC mismatch"};
    return Status::Ok();
}

}  // namespace moat::zip
