#include "fix/layer_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "fix/rootfs_tree.h"
#include "image/digest.h"
#include "image/path.h"

namespace moat::fix {
namespace {

// The tar stream's bytes are hashed (diff_id), gzip-compressed with zlib (no name, time 0, so
// the same tree gives the same blob) and hashed again (the blob digest) on their way to disk.
struct GzipSink {
    std::FILE* file = nullptr;
    Sha256 tar_hash, blob_hash;
    z_stream zlib{};
    bool zlib_ready = false;
    uint64_t tar_bytes = 0, blob_bytes = 0;
    std::string error;

    bool emit(const unsigned char* data, size_t size) {
        blob_hash.update(data, size);
        blob_bytes += size;
        if (std::fwrite(data, 1, size, file) != size) {
            error = std::strerror(errno);
            return false;
        }
        return true;
    }
    bool deflate_bytes(const void* data, size_t size, int flush) {
        unsigned char buffer[1 << 16];
        zlib.next_in = static_cast<Bytef*>(const_cast<void*>(data));
        zlib.avail_in = static_cast<uInt>(size);
        do {
            zlib.next_out = buffer;
            zlib.avail_out = sizeof buffer;
            int rc = ::deflate(&zlib, flush);
            if (rc == Z_STREAM_ERROR) {
                error = "gzip compression failed";
                return false;
            }
            if (!emit(buffer, sizeof buffer - zlib.avail_out)) return false;
        } while (zlib.avail_out == 0);
        return true;
    }
};

la_ssize_t write_callback(archive*, void* context, const void* data, size_t size) {
    auto* sink = static_cast<GzipSink*>(context);
    sink->tar_hash.update(data, size);
    sink->tar_bytes += size;
    if (!sink->deflate_bytes(data, size, Z_NO_FLUSH)) return -1;
    return static_cast<la_ssize_t>(size);
}

struct ArchiveDeleter {
    void operator()(archive* handle) const { archive_write_free(handle); }
};
struct EntryDeleter {
    void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};

}  // namespace

Result<WrittenLayer> write_diff_layer(const std::filesystem::path& rootfs, const RootfsDiff& diff,
                                      const RootfsSnapshot& after, const std::filesystem::path& out,
                                      const LayerWriteOptions& options) {
    auto tree = RootfsTree::open(rootfs);
    if (!tree) return tree.error();
    GzipSink sink;
    sink.file = std::fopen(out.c_str(), "wb");
    if (!sink.file)
        return Error{fmt::format("{}: cannot write: {}", out.string(), std::strerror(errno))};
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_guard(sink.file, std::fclose);
    // windowBits 15 + 16: a gzip wrapper with a zeroed header (no name, mtime 0).
    if (deflateInit2(&sink.zlib, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return Error{"cannot start gzip compression"};
    sink.zlib_ready = true;
    std::unique_ptr<z_stream, int (*)(z_stream*)> zlib_guard(&sink.zlib, deflateEnd);

    std::unique_ptr<archive, ArchiveDeleter> writer(archive_write_new());
    archive_write_set_format_pax_restricted(writer.get());
    archive_write_set_bytes_per_block(writer.get(), 10240);
    if (archive_write_open(writer.get(), &sink, nullptr, write_callback, nullptr) != ARCHIVE_OK)
        return Error{fmt::format("{}: {}", out.string(), archive_error_string(writer.get()))};
    auto archive_failed = [&](const std::string& path) {
        const char* message = archive_error_string(writer.get());
        return Error{fmt::format("{}: writing /{}: {}", out.string(), path,
                                 !sink.error.empty() ? sink.error
                                 : message           ? message
                                                     : "tar error")};
    };

    WrittenLayer layer;
    layer.file = out;
    // Whiteouts first: they delete lower paths, and a new path of the same name follows them.
    for (const auto& path : diff.removed) {
        std::string parent(parent_path(path));
        std::string name =
            (parent.empty() ? "" : parent + "/") + ".wh." + std::string(base_name(path));
        std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
        archive_entry_set_pathname(entry.get(), name.c_str());
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), 0644);
        archive_entry_set_size(entry.get(), 0);
        if (archive_write_header(writer.get(), entry.get()) != ARCHIVE_OK)
            return archive_failed(path);
        ++layer.entries;
    }
    std::map<std::pair<dev_t, ino_t>, std::string> first_link;  // hard links inside the layer
    for (const auto& path : diff.written) {
        auto found = after.find(path);
        if (found == after.end()) continue;
        const PathState& state = found->second;
        std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
        std::string stored = S_ISDIR(state.mode) ? path + "/" : path;
        archive_entry_set_pathname(entry.get(), stored.c_str());
        archive_entry_set_perm(entry.get(), state.mode & 07777);
        bool ours = options.own_ids_as_root;
        archive_entry_set_uid(entry.get(), ours && state.uid == ::geteuid() ? 0 : state.uid);
        archive_entry_set_gid(entry.get(), ours && state.gid == ::getegid() ? 0 : state.gid);
        archive_entry_set_mtime(entry.get(), static_cast<time_t>(state.mtime_ns / 1000000000), 0);
        int content_fd = -1;
        if (S_ISREG(state.mode) && state.links > 1) {
            auto key = std::make_pair(dev_t{0}, state.inode);
            auto [it, first] = first_link.emplace(key, path);
            if (!first) {
                archive_entry_set_filetype(entry.get(), AE_IFREG);
                archive_entry_set_hardlink(entry.get(), it->second.c_str());
                archive_entry_set_size(entry.get(), 0);
                if (archive_write_header(writer.get(), entry.get()) != ARCHIVE_OK)
                    return archive_failed(path);
                ++layer.entries;
                continue;
            }
        }
        if (S_ISDIR(state.mode)) {
            archive_entry_set_filetype(entry.get(), AE_IFDIR);
        } else if (S_ISLNK(state.mode)) {
            archive_entry_set_filetype(entry.get(), AE_IFLNK);
            archive_entry_set_symlink(entry.get(), state.link_target.c_str());
        } else if (S_ISREG(state.mode)) {
            archive_entry_set_filetype(entry.get(), AE_IFREG);
            archive_entry_set_size(entry.get(), static_cast<la_int64_t>(state.size));
            auto parent = tree->open_parent(path, false);
            if (!parent) return parent.error();
            content_fd = ::openat(parent->get(), std::string(base_name(path)).c_str(),
                                  O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            if (content_fd < 0)
                return Error{fmt::format("{}: cannot read /{}: {}", rootfs.string(), path,
                                         std::strerror(errno))};
        } else if (S_ISCHR(state.mode) || S_ISBLK(state.mode) || S_ISFIFO(state.mode)) {
            archive_entry_set_filetype(entry.get(), S_ISCHR(state.mode)   ? AE_IFCHR
                                                    : S_ISBLK(state.mode) ? AE_IFBLK
                                                                          : AE_IFIFO);
            archive_entry_set_rdevmajor(entry.get(), major(state.rdev));
            archive_entry_set_rdevminor(entry.get(), minor(state.rdev));
        } else {
            continue;  // sockets have no place in a layer
        }
        if (archive_write_header(writer.get(), entry.get()) != ARCHIVE_OK) {
            if (content_fd >= 0) ::close(content_fd);
            return archive_failed(path);
        }
        ++layer.entries;
        if (content_fd >= 0) {
            // Exactly `size` bytes, as the header promised, even if the file changed since.
            uint64_t left = state.size;
            char buffer[1 << 16];
            while (left > 0) {
                ssize_t got = ::read(content_fd, buffer, std::min<uint64_t>(sizeof buffer, left));
                if (got <= 0) {
                    std::memset(buffer, 0, sizeof buffer);
                    got = static_cast<ssize_t>(std::min<uint64_t>(sizeof buffer, left));
                }
                if (archive_write_data(writer.get(), buffer, static_cast<size_t>(got)) < 0) {
                    ::close(content_fd);
                    return archive_failed(path);
                }
                left -= static_cast<uint64_t>(got);
            }
            ::close(content_fd);
        }
    }
    if (archive_write_close(writer.get()) != ARCHIVE_OK) return archive_failed("(end of archive)");
    if (!sink.deflate_bytes(nullptr, 0, Z_FINISH))
        return Error{fmt::format("{}: {}", out.string(), sink.error)};
    if (std::fflush(sink.file) != 0) return Error{fmt::format("{}: cannot write", out.string())};
    layer.digest = sink.blob_hash.finish_digest();
    layer.diff_id = sink.tar_hash.finish_digest();
    layer.size = sink.blob_bytes;
    layer.uncompressed_size = sink.tar_bytes;
    return layer;
}

}  // namespace moat::fix
