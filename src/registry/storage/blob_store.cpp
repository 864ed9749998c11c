#include "registry/storage/blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "image/digest.h"

namespace moat::registry {

namespace fs = std::filesystem;

namespace {

std::string random_suffix() {
    static std::atomic<uint64_t> counter{0};
    thread_local std::mt19937_64 generator{std::random_device{}()};
    return fmt::format("{:x}.{:x}", generator(), counter.fetch_add(1));
}

Status write_all(int fd, std::string_view bytes, const fs::path& path) {
    while (!bytes.empty()) {
        ssize_t wrote = ::write(fd, bytes.data(), bytes.size());
        if (wrote < 0) {
            if (errno == EINTR) continue;
            return Error{fmt::format("{}: {}", path.string(), std::strerror(errno))};
        }
        bytes.remove_prefix(static_cast<size_t>(wrote));
    }
    return {};
}

}  // namespace

void sync_directory(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

Status write_file_atomically(const fs::path& path, std::string_view bytes) {
    fs::path temp = path;
    temp += ".tmp-" + random_suffix();
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return Error{fmt::format("{}: {}", temp.string(), std::strerror(errno))};
    Status wrote = write_all(fd, bytes, temp);
    if (wrote && ::fsync(fd) != 0) wrote = Error{fmt::format("{}: fsync: {}", temp.string(), std::strerror(errno))};
    ::close(fd);
    std::error_code ec;
    if (wrote) fs::rename(temp, path, ec);
    if (!wrote || ec) {
        fs::remove(temp, ec);
        return wrote ? Error{fmt::format("{}: rename: {}", path.string(), ec.message())} : wrote;
    }
    sync_directory(path.parent_path());
    return {};
}

BlobStore::BlobStore(fs::path data_dir)
    : blobs_dir_(data_dir / "blobs" / "sha256"), temp_dir_(data_dir / "tmp") {}

Status BlobStore::initialize() {
    std::error_code ec;
    fs::create_directories(blobs_dir_, ec);
    if (ec) return Error{fmt::format("{}: {}", blobs_dir_.string(), ec.message())};
    fs::create_directories(temp_dir_, ec);
    if (ec) return Error{fmt::format("{}: {}", temp_dir_.string(), ec.message())};
    // Leftovers of writes interrupted by a crash: never visible as blobs, safe to drop.
    for (const auto& entry : fs::directory_iterator(temp_dir_, ec)) fs::remove_all(entry.path(), ec);
    return {};
}

fs::path BlobStore::path_of(std::string_view digest) const {
    std::string_view hex = digest_hex(digest);
    return blobs_dir_ / std::string(hex.substr(0, 2)) / std::string(hex);
}

std::optional<uint64_t> BlobStore::size_of(std::string_view digest) const {
    if (!is_sha256_digest(digest)) return std::nullopt;
    std::error_code ec;
    uint64_t size = fs::file_size(path_of(digest), ec);
    if (ec) return std::nullopt;
    return size;
}

Status BlobStore::adopt(const fs::path& complete_file, std::string_view digest) {
    if (!is_sha256_digest(digest)) return Error{fmt::format("{}: not a sha256 digest", digest)};
    fs::path target = path_of(digest);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Error{fmt::format("{}: {}", target.parent_path().string(), ec.message())};
    int fd = ::open(complete_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    fs::rename(complete_file, target, ec);
    if (ec) return Error{fmt::format("{}: rename into the blob store: {}", complete_file.string(), ec.message())};
    sync_directory(target.parent_path());
    return {};
}

Result<std::string> BlobStore::put_bytes(std::string_view bytes) {
    std::string digest = sha256_digest(bytes);
    if (contains(digest)) {
        touch(digest);
        return digest;
    }
    fs::path temp = temp_dir_ / ("put-" + random_suffix());
    {
        int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) return Error{fmt::format("{}: {}", temp.string(), std::strerror(errno))};
        Status wrote = write_all(fd, bytes, temp);
        ::close(fd);
        if (!wrote) {
            std::error_code ec;
            fs::remove(temp, ec);
            return wrote.error();
        }
    }
    if (Status adopted = adopt(temp, digest); !adopted) return adopted.error();
    return digest;
}

Result<std::string> BlobStore::read_bytes(std::string_view digest, size_t limit) const {
    auto size = size_of(digest);
    if (!size) return Error{fmt::format("blob {} is not stored", digest)};
    if (*size > limit) return Error{fmt::format("blob {} is larger than {} bytes", digest, limit)};
    std::ifstream in(path_of(digest), std::ios::binary);
    std::string bytes(*size, '\0');
    if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
        return Error{fmt::format("blob {}: read failed", digest)};
    return bytes;
}

Status BlobStore::remove(std::string_view digest) {
    if (!is_sha256_digest(digest)) return Error{fmt::format("{}: not a sha256 digest", digest)};
    std::error_code ec;
    fs::remove(path_of(digest), ec);
    if (ec) return Error{fmt::format("{}: {}", path_of(digest).string(), ec.message())};
    return {};
}

void BlobStore::touch(std::string_view digest) {
    if (!is_sha256_digest(digest)) return;
    std::error_code ec;
    fs::last_write_time(path_of(digest), fs::file_time_type::clock::now(), ec);
}

std::vector<BlobStore::StoredBlob> BlobStore::list() const {
    std::vector<StoredBlob> blobs;
    std::error_code ec;
    for (const auto& prefix : fs::directory_iterator(blobs_dir_, ec)) {
        if (!prefix.is_directory()) continue;
        for (const auto& entry : fs::directory_iterator(prefix.path(), ec)) {
            std::string digest = "sha256:" + entry.path().filename().string();
            if (!is_sha256_digest(digest) || !entry.is_regular_file()) continue;
            blobs.push_back({digest, entry.last_write_time(ec)});
        }
    }
    return blobs;
}

}  // namespace moat::registry
