// Content-addressed blob files under DATA/blobs/sha256/ab/abcdef...: a blob appears by an atomic
// rename of a complete, fsynced file, so a reader never sees a partial or unverified blob.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace moat::registry {

class BlobStore {
public:
    explicit BlobStore(std::filesystem::path data_dir);
    Status initialize();  // creates the directories

    std::filesystem::path path_of(std::string_view digest) const;
    // Size of the stored blob, absent when there is none (or the digest is not a sha256 digest).
    std::optional<uint64_t> size_of(std::string_view digest) const;
    bool contains(std::string_view digest) const { return size_of(digest).has_value(); }

    // Moves a complete file whose content hashes to `digest` into place (same filesystem).
    Status adopt(const std::filesystem::path& complete_file, std::string_view digest);
    // Writes small content (manifests) as the blob named by its sha256 digest; returns the digest.
    Result<std::string> put_bytes(std::string_view bytes);
    Result<std::string> read_bytes(std::string_view digest, size_t limit) const;
    Status remove(std::string_view digest);
    // Marks a stored blob as just written, so garbage collection's grace period covers a push
    // that reuses old content.
    void touch(std::string_view digest);

    struct StoredBlob {
        std::string digest;
        std::filesystem::file_time_type modified;
    };
    std::vector<StoredBlob> list() const;

    // Where temporary files are made: inside DATA, so rename stays within one filesystem.
    const std::filesystem::path& temp_dir() const { return temp_dir_; }

private:
    std::filesystem::path blobs_dir_;
    std::filesystem::path temp_dir_;
};

// Writes `bytes` to `path` through a temporary sibling, fsync and rename.
Status write_file_atomically(const std::filesystem::path& path, std::string_view bytes);
// fsync of a directory, so a rename inside it survives a crash.
void sync_directory(const std::filesystem::path& dir);

}  // namespace moat::registry
