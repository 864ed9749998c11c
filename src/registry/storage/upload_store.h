// Blob upload sessions as DATA/uploads/<uuid>/{data,state}: the bytes received so far and the
// acknowledged length, so a session survives a restart. The digest is checked before the blob
// moves into the BlobStore.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "registry/http/http_message.h"
#include "registry/storage/blob_store.h"
#include "util/result.h"

namespace moat::registry {

enum class UploadFailure { none, unknown, out_of_order, digest_mismatch, body_error, storage };

struct UploadOutcome {
    UploadFailure failure = UploadFailure::none;
    std::string message;
    uint64_t size = 0;  // bytes acknowledged after the operation
    bool ok() const { return failure == UploadFailure::none; }
};

class UploadStore {
public:
    UploadStore(std::filesystem::path data_dir, BlobStore& blobs);
    ~UploadStore();
    Status initialize();

    // A new session for `repository`; returns its id.
    Result<std::string> create(std::string_view repository);
    // Acknowledged size of a session of `repository`, absent when there is none.
    std::optional<uint64_t> size(std::string_view id, std::string_view repository);
    // Appends the body; `expected_offset` (from Content-Range) must equal the current size.
    UploadOutcome append(std::string_view id, std::string_view repository, RequestBody& body,
                         std::optional<uint64_t> expected_offset);
    // Verifies the content against `digest` and moves it into the blob store; the session ends.
    UploadOutcome finish(std::string_view id, std::string_view repository, std::string_view digest);
    bool cancel(std::string_view id, std::string_view repository);

    // Sessions untouched for longer than `age` (abandoned uploads), removed.
    size_t remove_older_than(std::chrono::seconds age);

private:
    struct Session;
    std::shared_ptr<Session> open(std::string_view id, std::string_view repository);
    std::filesystem::path dir_of(std::string_view id) const { return uploads_dir_ / std::string(id); }

    std::filesystem::path uploads_dir_;
    BlobStore& blobs_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Session>, std::less<>> sessions_;
};

bool is_upload_id(std::string_view id);

}  // namespace moat::registry
