// Benchmark support: timing (wall and CPU), the zlib floor (raw inflate of gzip blobs, plain
// reads) and generated OCI image layouts written with libarchive, shared by the benchmarks that
// measure moat's walk against the same bytes in the same process.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/digest.h"
#include "util/result.h"

namespace moat::bench {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr size_t kBufferBytes = 256 * 1024;  // what TarStream reads per call, for a like floor

inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU time of this process (user + system). The machine may be shared: CPU time is the figure
// that other processes' load does not inflate, so it is printed beside wall time.
inline double cpu_seconds() {
    struct rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& time) { return static_cast<double>(time.tv_sec) + time.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Stopwatch {
    std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
    double cpu = cpu_seconds();
    double wall_s() const { return seconds_since(wall); }
    double cpu_s() const { return cpu_seconds() - cpu; }
};

inline double mb(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

inline std::string errno_text() { return std::strerror(errno); }

// ---------------------------------------------------------------------------------------------
// Floors: the bytes every scanner must at least read or inflate.

class FileReader {
public:
    explicit FileReader(const fs::path& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
    ~FileReader() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileReader(const FileReader&) = delete;
    FileReader& operator=(const FileReader&) = delete;
    bool ok() const { return fd_ >= 0; }
    // Up to `size` bytes at the current offset (or at `offset` when given); 0 at the end.
    ssize_t read(void* buffer, size_t size, std::optional<uint64_t> offset = std::nullopt) {
        for (;;) {
            ssize_t got = offset ? ::pread(fd_, buffer, size, static_cast<off_t>(*offset))
                                 : ::read(fd_, buffer, size);
            if (got < 0 && errno == EINTR) continue;
            return got;
        }
    }

private:
    int fd_;
};

struct Inflated {
    uint64_t stored = 0;    // bytes read from the file
    uint64_t expanded = 0;  // bytes out of zlib
};

using ChunkSink = std::function<void(const unsigned char*, size_t)>;

// Length of the gzip member header at `data` (RFC 1952), 0 when more bytes are needed, or
// SIZE_MAX when the bytes are not a gzip header.
inline size_t gzip_header_length(const unsigned char* data, size_t size) {
    constexpr size_t kNeedMore = 0, kInvalid = SIZE_MAX;
    if (size < 10) return kNeedMore;
    if (data[0] != 0x1f || data[1] != 0x8b || data[2] != 8) return kInvalid;
    unsigned flags = data[3];
    size_t at = 10;
    if (flags & 4) {  // FEXTRA
        if (size < at + 2) return kNeedMore;
        at += 2 + (data[at] | (static_cast<size_t>(data[at + 1]) << 8));
    }
    for (unsigned text_flag : {8u, 16u}) {  // FNAME, FCOMMENT: zero-terminated
        if (!(flags & text_flag)) continue;
        const void* nul = at < size ? std::memchr(data + at, 0, size - at) : nullptr;
        if (!nul) return kNeedMore;
        at = static_cast<size_t>(static_cast<const unsigned char*>(nul) - data) + 1;
    }
    if (flags & 2) at += 2;  // FHCRC
    return at <= size ? at : kNeedMore;
}

// Inflates every gzip member of a file to `sink` (or to nothing) with raw deflate: headers and
// trailers are skipped, not checked, so no CRC-32 is computed. libarchive's gzip reader does not
// compute it either (the layer digest covers integrity), so this is the least work that yields
// the tar; zcat, which does check the CRC, is a little slower.
inline Result<Inflated> inflate_file(const fs::path& path, const ChunkSink& sink = nullptr) {
    FileReader file(path);
    if (!file.ok()) return Error{fmt::format("{}: cannot open: {}", path.string(), errno_text())};
    static thread_local std::vector<unsigned char> in(kBufferBytes), out(kBufferBytes);
    Inflated totals;
    size_t begin = 0, end = 0;  // unread input is in[begin, end)
    bool at_eof = false;
    auto fill = [&]() -> bool {  // moves unread input to the front and reads more; false on error
        if (begin > 0) {
            std::memmove(in.data(), in.data() + begin, end - begin);
            end -= begin;
            begin = 0;
        }
        if (at_eof || end == in.size()) return true;
        ssize_t got = file.read(in.data() + end, in.size() - end);
        if (got < 0) return false;
        if (got == 0) at_eof = true;
        end += static_cast<size_t>(got);
        totals.stored += static_cast<uint64_t>(got);
        return true;
    };
    auto fail = [&](z_stream* stream, std::string what) -> Result<Inflated> {
        if (stream) inflateEnd(stream);
        return Error{fmt::format("{}: {}", path.string(), what)};
    };
    z_stream stream{};
    if (inflateInit2(&stream, -15) != Z_OK) return fail(nullptr, "zlib: inflateInit2 failed");
    for (size_t members = 0;; ++members) {
        size_t header = 0;
        for (;;) {
            header = gzip_header_length(in.data() + begin, end - begin);
            if (header != 0 || at_eof || end - begin == in.size()) break;
            if (!fill()) return fail(&stream, "read failed: " + errno_text());
        }
        if (begin == end && at_eof && members > 0) break;
        if (header == 0 || header == SIZE_MAX) {
            if (members > 0) break;  // trailing padding after the last member, as gzip allows
            return fail(&stream, "not a gzip file");
        }
        begin += header;
        inflateReset(&stream);
        for (int rc = Z_OK; rc != Z_STREAM_END;) {
            if (begin == end) {
                if (!fill()) return fail(&stream, "read failed: " + errno_text());
                if (begin == end) return fail(&stream, "truncated gzip stream");
            }
            stream.next_in = in.data() + begin;
            stream.avail_in = static_cast<uInt>(end - begin);
            stream.next_out = out.data();
            stream.avail_out = static_cast<uInt>(out.size());
            rc = inflate(&stream, Z_NO_FLUSH);
            begin = end - stream.avail_in;
            size_t produced = out.size() - stream.avail_out;
            totals.expanded += produced;
            if (sink && produced) sink(out.data(), produced);
            if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
                return fail(&stream, std::string("invalid deflate data: ") + (stream.msg ? stream.msg : "?"));
        }
        while (end - begin < 8 && !at_eof)  // the CRC-32 and length trailer
            if (!fill()) return fail(&stream, "read failed: " + errno_text());
        if (end - begin < 8) return fail(&stream, "truncated gzip trailer");
        begin += 8;
    }
    // Whatever follows the last member is read too: a scanner reads (and hashes) the whole blob.
    while (!at_eof) {
        begin = end;
        if (!fill()) return fail(&stream, "read failed: " + errno_text());
    }
    inflateEnd(&stream);
    return totals;
}

// Reads a byte range of a file into a discard buffer.
inline Result<uint64_t> read_range(FileReader& file, uint64_t offset, uint64_t size, const ChunkSink& sink = nullptr) {
    static thread_local std::vector<unsigned char> buffer(kBufferBytes);
    uint64_t done = 0;
    while (done < size) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), size - done));
        ssize_t got = file.read(buffer.data(), want, offset + done);
        if (got <= 0) return Error{"short read of an archive member"};
        if (sink) sink(buffer.data(), static_cast<size_t>(got));
        done += static_cast<uint64_t>(got);
    }
    return done;
}

inline bool is_gzip_file(const fs::path& path) {
    FileReader file(path);
    unsigned char magic[2] = {};
    return file.ok() && file.read(magic, 2) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}


// ---------------------------------------------------------------------------------------------
// Generated images: an OCI layout written with libarchive (pax, gzip), digests with OpenSSL.

// xorshift64*: fast and good enough that gzip finds nothing to compress.
struct FastRandom {
    uint64_t state;
    explicit FastRandom(uint64_t seed) : state(seed ? seed : 0x9e3779b97f4a7c15ull) {}
    uint64_t next() {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545f4914f6cdd1dull;
    }
    uint64_t below(uint64_t bound) { return next() % bound; }
    void fill(unsigned char* out, size_t size) {
        size_t i = 0;
        for (; i + 8 <= size; i += 8) {
            uint64_t value = next();
            std::memcpy(out + i, &value, 8);
        }
        for (; i < size; ++i) out[i] = static_cast<unsigned char>(next());
    }
};

struct Blob {
    std::string digest;
    uint64_t size = 0;
};

struct GeneratedLayer {
    Blob blob;
    std::string diff_id;
    uint64_t files = 0, entries = 0;
};

class LayerWriter {
public:
    LayerWriter(const fs::path& blobs, int compression_level) : blobs_(blobs) {
        temp_path_ = blobs_ / fmt::format("partial-{}", ::getpid());
        fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        writer_ = archive_write_new();
        archive_write_set_format_pax_restricted(writer_);
        archive_write_add_filter_gzip(writer_);
        archive_write_set_filter_option(writer_, "gzip", "compression-level",
                                        std::to_string(compression_level).c_str());
        archive_write_set_bytes_in_last_block(writer_, 1);
        open_ = fd_ >= 0 && archive_write_open(writer_, this, nullptr, &LayerWriter::write_callback,
                                               nullptr) == ARCHIVE_OK;
        entry_ = archive_entry_new();
    }
    ~LayerWriter() {
        archive_entry_free(entry_);
        if (writer_) archive_write_free(writer_);
        if (fd_ >= 0) ::close(fd_);
        std::error_code ignored;
        fs::remove(temp_path_, ignored);
    }
    LayerWriter(const LayerWriter&) = delete;
    LayerWriter& operator=(const LayerWriter&) = delete;

    // Adds the parent directories of `path` not yet written, then `path`.
    Status file(const std::string& path, std::string_view body, uint32_t mode = 0644) {
        add_parents(path);
        start_entry(path, AE_IFREG, mode);
        archive_entry_set_size(entry_, static_cast<la_int64_t>(body.size()));
        if (Status status = write_header(path); !status.ok()) return status;
        ++files_;
        return write_data(path, body.data(), body.size());
    }

    // A regular file of `size` bytes produced by `fill` in chunks (for files too large to hold).
    Status streamed_file(const std::string& path, uint64_t size,
                         const std::function<void(unsigned char*, size_t)>& fill) {
        add_parents(path);
        start_entry(path, AE_IFREG, 0644);
        archive_entry_set_size(entry_, static_cast<la_int64_t>(size));
        if (Status status = write_header(path); !status.ok()) return status;
        ++files_;
        std::vector<unsigned char> chunk(1 << 20);
        for (uint64_t done = 0; done < size;) {
            size_t now = static_cast<size_t>(std::min<uint64_t>(chunk.size(), size - done));
            fill(chunk.data(), now);
            if (Status status = write_data(path, chunk.data(), now); !status.ok()) return status;
            done += now;
        }
        return Status::Ok();
    }

    Status symlink(const std::string& path, const std::string& target) {
        add_parents(path);
        start_entry(path, AE_IFLNK, 0777);
        archive_entry_set_symlink(entry_, target.c_str());
        return write_header(path);
    }

    Status directory(const std::string& path) {
        if (!directories_.insert(path).second) return Status::Ok();
        add_parents(path);
        start_entry(path + "/", AE_IFDIR, 0755);
        return write_header(path);
    }

    // Closes the archive, moves the blob to blobs/sha256/<hex> and computes its diff_id.
    Result<GeneratedLayer> finish() {
        if (!open_) return Error{fmt::format("{}: cannot write: {}", temp_path_.string(), errno_text())};
        if (archive_write_close(writer_) != ARCHIVE_OK)
            return Error{fmt::format("libarchive: {}", archive_error_string(writer_))};
        archive_write_free(writer_);
        writer_ = nullptr;
        if (!failure_.empty()) return Error{failure_};
        ::close(fd_);
        fd_ = -1;
        GeneratedLayer layer;
        layer.blob = Blob{blob_hash_.finish_digest(), blob_bytes_};
        layer.files = files_;
        layer.entries = entries_;
        fs::path final_path = blobs_ / std::string(moat::digest_hex(layer.blob.digest));
        fs::rename(temp_path_, final_path);
        moat::Sha256 diff_hash;
        auto inflated = inflate_file(final_path, [&](const unsigned char* data, size_t size) {
            diff_hash.update(data, size);
        });
        if (!inflated) return inflated.error();
        layer.diff_id = diff_hash.finish_digest();
        return layer;
    }

private:
    static la_ssize_t write_callback(archive*, void* client, const void* buffer, size_t size) {
        auto* self = static_cast<LayerWriter*>(client);
        const char* data = static_cast<const char*>(buffer);
        for (size_t done = 0; done < size;) {
            ssize_t wrote = ::write(self->fd_, data + done, size - done);
            if (wrote < 0 && errno == EINTR) continue;
            if (wrote <= 0) {
                self->failure_ = fmt::format("{}: write failed: {}", self->temp_path_.string(), errno_text());
                return -1;
            }
            done += static_cast<size_t>(wrote);
        }
        self->blob_hash_.update(buffer, size);
        self->blob_bytes_ += size;
        return static_cast<la_ssize_t>(size);
    }

    void add_parents(const std::string& path) {
        size_t slash = path.rfind('/');
        if (slash == std::string::npos) return;
        std::string parent = path.substr(0, slash);
        if (!directories_.count(parent)) (void)directory(parent);
    }

    void start_entry(const std::string& path, unsigned type, uint32_t mode) {
        archive_entry_clear(entry_);
        archive_entry_set_pathname(entry_, path.c_str());
        archive_entry_set_filetype(entry_, type);
        archive_entry_set_perm(entry_, mode);
        archive_entry_set_mtime(entry_, 1700000000, 0);
        archive_entry_set_uid(entry_, 0);
        archive_entry_set_gid(entry_, 0);
        ++entries_;
    }

    Status write_header(const std::string& path) {
        if (!open_) return Error{fmt::format("{}: cannot write: {}", temp_path_.string(), errno_text())};
        if (archive_write_header(writer_, entry_) != ARCHIVE_OK)
            return Error{fmt::format("libarchive: {}: {}", path, archive_error_string(writer_))};
        return Status::Ok();
    }

    Status write_data(const std::string& path, const void* data, size_t size) {
        if (size == 0) return Status::Ok();
        if (archive_write_data(writer_, data, size) != static_cast<la_ssize_t>(size))
            return Error{fmt::format("libarchive: {}: {}", path, archive_error_string(writer_))};
        return Status::Ok();
    }

    fs::path blobs_, temp_path_;
    int fd_ = -1;
    archive* writer_ = nullptr;
    archive_entry* entry_ = nullptr;
    bool open_ = false;
    std::string failure_;
    moat::Sha256 blob_hash_;
    uint64_t blob_bytes_ = 0, files_ = 0, entries_ = 0;
    std::set<std::string> directories_;
};

// Text-like bodies: slices of a corpus of words, so gzip compresses them as it would real files.
class TextCorpus {
public:
    explicit TextCorpus(FastRandom& random) {
        static const char* const kWords[] = {
            "the", "package", "install", "config", "library", "version", "error", "return", "static",
            "const", "struct", "import", "function", "value", "module", "default", "license", "copyright",
            "free", "software", "under", "terms", "public", "self", "def", "class", "if", "else",
            "while", "for", "path", "file", "data", "buffer", "size", "count", "index", "string",
            "0x00", "0xff", "debian", "linux", "amd64", "usr", "lib", "share", "bin", "etc", "var",
            "{", "}", "(", ")", ";", "=", "==", "->", "//", "#", "*", "\n", "\n    ", "\t"};
        constexpr size_t kWordCount = sizeof kWords / sizeof kWords[0];
        while (text_.size() < (1u << 20)) {
            text_ += kWords[random.below(kWordCount)];
            text_ += ' ';
            if (random.below(8) == 0) text_ += std::to_string(random.next() % 100000);
        }
    }
    std::string_view slice(FastRandom& random, size_t size) const {
        size_t start = static_cast<size_t>(random.below(text_.size() - size));
        return std::string_view(text_).substr(start, size);
    }

private:
    std::string text_;
};


inline Result<Blob> write_blob(const fs::path& blobs, const std::string& text) {
    Blob blob{moat::sha256_digest(text), text.size()};
    FILE* out = std::fopen((blobs / std::string(moat::digest_hex(blob.digest))).c_str(), "wb");
    if (!out) return Error{fmt::format("{}: cannot write: {}", blobs.string(), errno_text())};
    bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
    if (std::fclose(out) != 0 || !written) return Error{fmt::format("{}: write failed", blobs.string())};
    return blob;
}

// Config and manifest for `layers`; returns the manifest descriptor for index.json.
inline Result<json> write_image_documents(const fs::path& blobs, const std::vector<GeneratedLayer>& layers) {
    json config = {{"architecture", "amd64"},
                   {"os", "linux"},
                   {"created", "2023-11-14T22:13:20Z"},
                   {"config", {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}}},
                   {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}},
                   {"history", json::array()}};
    json manifest_layers = json::array();
    for (const auto& layer : layers) {
        config["rootfs"]["diff_ids"].push_back(layer.diff_id);
        config["history"].push_back({{"created", "2023-11-14T22:13:20Z"}, {"created_by", "bench_layer_walk"}});
        manifest_layers.push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                                   {"digest", layer.blob.digest},
                                   {"size", layer.blob.size}});
    }
    auto config_blob = write_blob(blobs, config.dump());
    if (!config_blob) return config_blob.error();
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"config",
                      {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                       {"digest", config_blob->digest},
                       {"size", config_blob->size}}},
                     {"layers", manifest_layers}};
    auto manifest_blob = write_blob(blobs, manifest.dump());
    if (!manifest_blob) return manifest_blob.error();
    return json{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                {"digest", manifest_blob->digest},
                {"size", manifest_blob->size}};
}

inline Status write_index(const fs::path& layout, const std::vector<std::pair<std::string, json>>& tagged) {
    json index = {{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"},
                  {"manifests", json::array()}};
    for (const auto& [tag, descriptor] : tagged) {
        json entry = descriptor;
        entry["annotations"] = {{"org.opencontainers.image.ref.name", tag}};
        index["manifests"].push_back(entry);
    }
    for (const auto& [name, text] : {std::pair<std::string, std::string>{"index.json", index.dump()},
                                     {"oci-layout", R"({"imageLayoutVersion":"1.0.0"})"}}) {
        FILE* out = std::fopen((layout / name).c_str(), "wb");
        if (!out) return Error{fmt::format("{}: cannot write: {}", (layout / name).string(), errno_text())};
        std::fwrite(text.data(), 1, text.size(), out);
        std::fclose(out);
    }
    return Status::Ok();
}

// Layer 1: the first 60% of the packages, the dpkg status for them, os-release.
// Layer 2: the rest, a rewritten status (shadows layer 1's), whiteouts and an opaque dir.

}  // namespace moat::bench
