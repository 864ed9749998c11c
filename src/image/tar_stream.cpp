#include "image/tar_stream.h"

#include <archive.h>
#include <archive_entry.h>

#include <vector>

#include <fmt/format.h>

#include "image/digest.h"

namespace moat {

struct TarStream::Impl {
    std::unique_ptr<ByteSource> source;
    std::string expected_digest;
    TarStreamLimits limits;
    Sha256 hasher;
    std::vector<char> buffer = std::vector<char>(256 * 1024);
    uint64_t raw_bytes = 0;
    bool source_ended = false;
    std::string source_error;  // set by the read callback, which cannot return a message
    archive* reader = nullptr;
    bool body_pending = false;  // the current entry's body has not been consumed

    ~Impl() {
        if (reader) archive_read_free(reader);
    }

    // Pulls the next raw chunk from the source, hashing it on the way.
    ssize_t pull(const void** out) {
        if (source_ended) return 0;
        auto got = source->read(buffer.data(), buffer.size());
        if (!got) {
            source_error = got.error().message;
            return -1;
        }
        if (*got == 0) source_ended = true;
        hasher.update(buffer.data(), *got);
        raw_bytes += *got;
        *out = buffer.data();
        return static_cast<ssize_t>(*got);
    }

    Error archive_error(std::string_view what) const {
        if (!source_error.empty()) return Error{source_error};
        const char* message = archive_error_string(reader);
        return Error{fmt::format("{}: {}: {}", source->description(), what,
                                 message ? message : "unreadable archive")};
    }

    uint64_t expanded() const {
        la_int64_t bytes = archive_filter_bytes(reader, 0);
        return bytes > 0 ? static_cast<uint64_t>(bytes) : 0;
    }

    Status check_expansion() const {
        uint64_t out = expanded();
        if (out > limits.expansion_floor && out / (raw_bytes + 1) > limits.max_expansion_ratio)
            return Error{fmt::format(
                "{}: expands to more than {} times its compressed size ({} bytes from {}); "
                "refusing a likely decompression bomb",
                source->description(), limits.max_expansion_ratio, out, raw_bytes)};
        return Status::Ok();
    }
};

static la_ssize_t read_callback(archive*, void* client, const void** buffer) {
    return static_cast<TarStream::Impl*>(client)->pull(buffer);
}

TarStream::TarStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TarStream::~TarStream() = default;

Result<std::unique_ptr<TarStream>> TarStream::open(std::unique_ptr<ByteSource> source,
                                                   std::string expected_digest,
                                                   TarStreamLimits limits) {
    auto impl = std::make_unique<Impl>();
    impl->source = std::move(source);
    impl->expected_digest = std::move(expected_digest);
    impl->limits = limits;
    impl->reader = archive_read_new();
    // Layers are tar, optionally gzip or zstd compressed (OCI image spec); nothing else.
    archive_read_support_filter_gzip(impl->reader);
    archive_read_support_filter_zstd(impl->reader);
    archive_read_support_format_tar(impl->reader);
    archive_read_support_format_empty(impl->reader);
    if (archive_read_open(impl->reader, impl.get(), nullptr, read_callback, nullptr) != ARCHIVE_OK)
        return impl->archive_error("not a tar archive (plain, gzip or zstd)");
    return std::unique_ptr<TarStream>(new TarStream(std::move(impl)));
}

Result<std::optional<TarEntry>> TarStream::next() {
    if (impl_->body_pending) {
        // Skip the body ourselves, in blocks, so the bomb check runs while a huge entry is
        // being decompressed.
        Status skipped = read_body_chunks([](const char*, size_t) {});
        if (!skipped.ok()) return skipped.error();
    }
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(impl_->reader, &entry);
    if (rc == ARCHIVE_EOF) return std::optional<TarEntry>();
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return impl_->archive_error("damaged tar stream");
    if (Status status = impl_->check_expansion(); !status.ok()) return status.error();

    TarEntry out;
    const char* path = archive_entry_pathname(entry);
    out.raw_path = path ? path : "";
    out.size = archive_entry_size_is_set(entry) ? static_cast<uint64_t>(archive_entry_size(entry)) : 0;
    out.mode = archive_entry_perm(entry);
    out.uid = archive_entry_uid(entry);
    out.gid = archive_entry_gid(entry);
    out.mtime = archive_entry_mtime(entry);
    if (const char* hardlink = archive_entry_hardlink(entry)) {
        out.kind = EntryKind::Hardlink;
        out.link_target = hardlink;
    } else {
        switch (archive_entry_filetype(entry)) {
            case AE_IFREG: out.kind = EntryKind::Regular; break;
            case AE_IFDIR: out.kind = EntryKind::Directory; break;
            case AE_IFLNK:
                out.kind = EntryKind::Symlink;
                if (const char* target = archive_entry_symlink(entry)) out.link_target = target;
                break;
            default:
                out.kind = EntryKind::Other;
                switch (archive_entry_filetype(entry)) {
                    case AE_IFCHR: out.special = SpecialKind::CharDevice; break;
                    case AE_IFBLK: out.special = SpecialKind::BlockDevice; break;
                    case AE_IFIFO: out.special = SpecialKind::Fifo; break;
                    case AE_IFSOCK: out.special = SpecialKind::Socket; break;
                    default: break;
                }
                out.rdev_major = archive_entry_rdevmajor(entry);
                out.rdev_minor = archive_entry_rdevminor(entry);
                break;
        }
    }
    impl_->body_pending = out.kind == EntryKind::Regular && out.size > 0;
    return std::optional<TarEntry>(std::move(out));
}

Status TarStream::read_block(const void*& data, size_t& size, bool& end) {
    end = false;
    if (!impl_->body_pending) {
        end = true;
        return Status::Ok();
    }
    la_int64_t offset = 0;
    int rc = archive_read_data_block(impl_->reader, &data, &size, &offset);
    if (rc == ARCHIVE_EOF) {
        impl_->body_pending = false;
        end = true;
        return Status::Ok();
    }
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
        impl_->body_pending = false;
        return impl_->archive_error("truncated or damaged entry");
    }
    return impl_->check_expansion();
}

Status TarStream::read_body(std::string& out, uint64_t max_bytes) {
    uint64_t taken = 0;
    return read_body_chunks([&](const char* data, size_t size) {
        if (taken >= max_bytes) return;
        size_t keep = static_cast<size_t>(std::min<uint64_t>(size, max_bytes - taken));
        out.append(data, keep);
        taken += keep;
    });
}

Status TarStream::finish() {
    // libarchive stops at the end-of-archive marker; the digest covers every byte after it.
    const void* ignored = nullptr;
    for (;;) {
        ssize_t got = impl_->pull(&ignored);
        if (got < 0) return Error{impl_->source_error};
        if (got == 0) break;
    }
    if (impl_->expected_digest.empty()) return Status::Ok();
    std::string actual = impl_->hasher.finish_digest();
    if (actual != impl_->expected_digest)
        return Error{fmt::format("{}: digest mismatch: expected {}, content hashes to {}",
                                 impl_->source->description(), impl_->expected_digest, actual)};
    return Status::Ok();
}

uint64_t TarStream::raw_bytes() const { return impl_->raw_bytes; }
uint64_t TarStream::expanded_bytes() const { return impl_->expanded(); }
const std::string& TarStream::description() const { return impl_->source->description(); }

}  // namespace moat
