#include "registry/storage/upload_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "image/digest.h"

namespace moat::registry {

namespace fs = std::filesystem;

namespace {

constexpr size_t kChunk = 256 * 1024;

std::string new_upload_id() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    uint64_t high = generator(), low = generator();
    std::string hex = fmt::format("{:016x}{:016x}", high, low);
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
           hex.substr(20);
}

std::string hex_digest(EVP_MD_CTX* context) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context, out, &length);
    std::string digest = "sha256:";
    for (unsigned i = 0; i < length; ++i) digest += fmt::format("{:02x}", out[i]);
    return digest;
}

struct DigestContext {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    DigestContext() { EVP_DigestInit_ex(context, EVP_sha256(), nullptr); }
    ~DigestContext() { EVP_MD_CTX_free(context); }
    DigestContext(const DigestContext&) = delete;
    DigestContext& operator=(const DigestContext&) = delete;
};

}  // namespace

bool is_upload_id(std::string_view id) {
    if (id.size() != 36) return false;
    for (size_t i = 0; i < id.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = id[i];
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

// One session in memory: a lock (one writer at a time), the acknowledged size and the running
// hash of exactly those bytes (absent after a restart or a failed chunk: recomputed from data).
struct UploadStore::Session {
    std::mutex mutex;
    std::string repository;
    uint64_t size = 0;
    std::unique_ptr<DigestContext> hash;  // covers `size` bytes when present
    bool ended = false;
};

UploadStore::UploadStore(fs::path data_dir, BlobStore& blobs) : uploads_dir_(data_dir / "uploads"), blobs_(blobs) {}
UploadStore::~UploadStore() = default;

Status UploadStore::initialize() {
    std::error_code ec;
    fs::create_directories(uploads_dir_, ec);
    if (ec) return Error{fmt::format("{}: {}", uploads_dir_.string(), ec.message())};
    return {};
}

Result<std::string> UploadStore::create(std::string_view repository) {
    std::string id = new_upload_id();
    fs::path dir = dir_of(id);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Error{fmt::format("{}: {}", dir.string(), ec.message())};
    {
        std::ofstream data(dir / "data", std::ios::binary);
        if (!data) return Error{fmt::format("{}: cannot create", (dir / "data").string())};
    }
    if (Status wrote = write_file_atomically(dir / "state", fmt::format("0\n{}\n", repository)); !wrote)
        return wrote.error();
    auto session = std::make_shared<Session>();
    session->repository = std::string(repository);
    session->hash = std::make_unique<DigestContext>();
    std::lock_guard lock(mutex_);
    sessions_[id] = session;
    return id;
}

std::shared_ptr<UploadStore::Session> UploadStore::open(std::string_view id, std::string_view repository) {
    if (!is_upload_id(id)) return nullptr;
    std::lock_guard lock(mutex_);
    auto found = sessions_.find(id);
    if (found == sessions_.end()) {
        // Not in memory: a session from before a restart, described by its state file.
        std::ifstream state(dir_of(id) / "state");
        uint64_t size = 0;
        std::string stored_repository;
        if (!(state >> size) || !(state >> stored_repository)) return nullptr;
        auto session = std::make_shared<Session>();
        session->repository = stored_repository;
        session->size = size;
        found = sessions_.emplace(std::string(id), session).first;
    }
    // Removed behind this process's back (moat gc dropped an abandoned session).
    if (!fs::exists(dir_of(id) / "state")) {
        sessions_.erase(found);
        return nullptr;
    }
    if (found->second->repository != repository) return nullptr;
    return found->second;
}

std::optional<uint64_t> UploadStore::size(std::string_view id, std::string_view repository) {
    auto session = open(id, repository);
    if (!session) return std::nullopt;
    std::lock_guard lock(session->mutex);
    if (session->ended) return std::nullopt;
    return session->size;
}

UploadOutcome UploadStore::append(std::string_view id, std::string_view repository, RequestBody& body,
                                  std::optional<uint64_t> expected_offset) {
    auto session = open(id, repository);
    if (!session) return {UploadFailure::unknown, "upload session not found"};
    std::unique_lock lock(session->mutex, std::try_to_lock);
    // Another request is writing this session: chunks arrive out of order.
    if (!lock.owns_lock()) return {UploadFailure::out_of_order, "another chunk is being written"};
    if (session->ended) return {UploadFailure::unknown, "upload session not found"};
    if (expected_offset && *expected_offset != session->size)
        return {UploadFailure::out_of_order,
                fmt::format("chunk starts at {}, the upload has {} bytes", *expected_offset, session->size),
                session->size};
    fs::path data = dir_of(id) / "data";
    int fd = ::open(data.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return {UploadFailure::storage, fmt::format("{}: {}", data.string(), std::strerror(errno))};
    // Bytes past the acknowledged size belong to a chunk that never completed.
    if (::ftruncate(fd, static_cast<off_t>(session->size)) != 0 ||
        ::lseek(fd, static_cast<off_t>(session->size), SEEK_SET) < 0) {
        ::close(fd);
        return {UploadFailure::storage, fmt::format("{}: {}", data.string(), std::strerror(errno))};
    }
    std::vector<char> buffer(kChunk);
    uint64_t added = 0;
    UploadOutcome outcome;
    for (;;) {
        auto got = body.read(buffer.data(), buffer.size());
        if (!got) {
            outcome = {UploadFailure::body_error, got.error().message};
            break;
        }
        if (*got == 0) break;
        size_t offset = 0;
        while (offset < *got) {
            ssize_t wrote = ::write(fd, buffer.data() + offset, *got - offset);
            if (wrote < 0 && errno == EINTR) continue;
            if (wrote < 0) {
                outcome = {UploadFailure::storage, fmt::format("{}: {}", data.string(), std::strerror(errno))};
                break;
            }
            offset += static_cast<size_t>(wrote);
        }
        if (!outcome.ok()) break;
        if (session->hash) EVP_DigestUpdate(session->hash->context, buffer.data(), *got);
        added += *got;
    }
    if (outcome.ok() && ::fdatasync(fd) != 0)
        outcome = {UploadFailure::storage, fmt::format("{}: fsync: {}", data.string(), std::strerror(errno))};
    ::close(fd);
    if (!outcome.ok()) {
        session->hash.reset();  // it saw bytes that are not acknowledged
        outcome.size = session->size;
        return outcome;
    }
    uint64_t new_size = session->size + added;
    if (Status wrote = write_file_atomically(dir_of(id) / "state", fmt::format("{}\n{}\n", new_size, repository));
        !wrote) {
        session->hash.reset();
        return {UploadFailure::storage, wrote.message(), session->size};
    }
    session->size = new_size;
    outcome.size = new_size;
    return outcome;
}

UploadOutcome UploadStore::finish(std::string_view id, std::string_view repository, std::string_view digest) {
    auto session = open(id, repository);
    if (!session) return {UploadFailure::unknown, "upload session not found"};
    std::unique_lock lock(session->mutex);
    if (session->ended) return {UploadFailure::unknown, "upload session not found"};
    fs::path data = dir_of(id) / "data";
    std::error_code ec;
    fs::resize_file(data, session->size, ec);
    if (ec) return {UploadFailure::storage, fmt::format("{}: {}", data.string(), ec.message()), session->size};
    std::string actual;
    if (session->hash) {
        actual = hex_digest(session->hash->context);
        session->hash.reset();
    } else {
        DigestContext hash;
        std::ifstream in(data, std::ios::binary);
        std::vector<char> buffer(kChunk);
        while (in) {
            in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
            EVP_DigestUpdate(hash.context, buffer.data(), static_cast<size_t>(in.gcount()));
        }
        actual = hex_digest(hash.context);
    }
    if (actual != digest)
        return {UploadFailure::digest_mismatch,
                fmt::format("the upload's content has digest {}, not {}", actual, digest), session->size};
    uint64_t size = session->size;
    if (!blobs_.contains(digest)) {
        if (Status adopted = blobs_.adopt(data, digest); !adopted)
            return {UploadFailure::storage, adopted.message(), size};
    } else {
        blobs_.touch(digest);
    }
    session->ended = true;
    fs::remove_all(dir_of(id), ec);
    lock.unlock();
    std::lock_guard map_lock(mutex_);
    sessions_.erase(std::string(id));
    return {UploadFailure::none, {}, size};
}

bool UploadStore::cancel(std::string_view id, std::string_view repository) {
    auto session = open(id, repository);
    if (!session) return false;
    std::unique_lock lock(session->mutex);
    if (session->ended) return false;
    session->ended = true;
    std::error_code ec;
    fs::remove_all(dir_of(id), ec);
    lock.unlock();
    std::lock_guard map_lock(mutex_);
    sessions_.erase(std::string(id));
    return true;
}

size_t UploadStore::remove_older_than(std::chrono::seconds age) {
    size_t removed = 0;
    std::error_code ec;
    auto now = fs::file_time_type::clock::now();
    for (const auto& entry : fs::directory_iterator(uploads_dir_, ec)) {
        std::string id = entry.path().filename().string();
        if (!is_upload_id(id)) continue;
        auto modified = fs::last_write_time(entry.path() / "state", ec);
        if (ec || now - modified < age) continue;
        std::lock_guard lock(mutex_);
        if (sessions_.count(id)) continue;  // in use by this process
        fs::remove_all(entry.path(), ec);
        ++removed;
    }
    return removed;
}

}  // namespace moat::registry
