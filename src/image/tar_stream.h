// One pass over a (possibly gzip/zstd-compressed) tar stream with libarchive, hashing the raw
// bytes as they are read so the blob's digest is verified when the stream ends, and refusing
// streams that expand like decompression bombs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "image/byte_source.h"
#include "util/result.h"

struct archive;

namespace moat {

enum class EntryKind { Regular, Directory, Symlink, Hardlink, Other };

// The file type of an EntryKind::Other entry (fix/ recreates device nodes and fifos).
enum class SpecialKind { None, CharDevice, BlockDevice, Fifo, Socket };

struct TarEntry {
    std::string raw_path;     // as stored in the archive
    EntryKind kind = EntryKind::Other;
    std::string link_target;  // symlink or hard link target, as stored
    uint64_t size = 0;
    uint32_t mode = 0;
    // Ownership and times, kept for rewriting root filesystems (fix/).
    int64_t uid = 0, gid = 0;
    int64_t mtime = 0;
    SpecialKind special = SpecialKind::None;
    uint64_t rdev_major = 0, rdev_minor = 0;
};

struct TarStreamLimits {
    // A stream may expand to `max_expansion_ratio` times its compressed size once it has
    // produced `expansion_floor` bytes; beyond that it is refused as a likely bomb.
    uint64_t max_expansion_ratio = 200;
    uint64_t expansion_floor = 1ull << 30;
};

class TarStream {
public:
    // `expected_digest` empty: no verification (e.g. a digest not known in advance).
    static Result<std::unique_ptr<TarStream>> open(std::unique_ptr<ByteSource> source,
                                                   std::string expected_digest,
                                                   TarStreamLimits limits = {});
    ~TarStream();
    TarStream(const TarStream&) = delete;
    TarStream& operator=(const TarStream&) = delete;

    // The next entry, or nullopt at the end of the archive. The previous entry's unread body
    // is skipped.
    Result<std::optional<TarEntry>> next();
    // Appends the current entry's body to `out`, reading at most `max_bytes`; fails on a
    // truncated stream.
    Status read_body(std::string& out, uint64_t max_bytes);
    // Reads the current entry's body in chunks without keeping it.
    template <typename Sink>
    Status read_body_chunks(Sink&& sink);
    // Reads the rest of the raw stream and checks its digest. Call after next() returned
    // nullopt; the stream is verified only then.
    Status finish();

    uint64_t raw_bytes() const;
    uint64_t expanded_bytes() const;
    const std::string& description() const;

    struct Impl;

private:
    explicit TarStream(std::unique_ptr<Impl> impl);
    Status read_block(const void*& data, size_t& size, bool& end);
    std::unique_ptr<Impl> impl_;
};

template <typename Sink>
Status TarStream::read_body_chunks(Sink&& sink) {
    for (;;) {
        const void* data = nullptr;
        size_t size = 0;
        bool end = false;
        if (Status status = read_block(data, size, end); !status.ok()) return status;
        if (end) return Status::Ok();
        sink(static_cast<const char*>(data), size);
    }
}

}  // namespace moat
