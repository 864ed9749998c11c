// The MetadataStore in one SQLite file (DATA/metadata.db, WAL): the embedded default.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "registry/metadata/metadata_store.h"
#include "util/sqlite_database.h"

namespace moat::registry {

class SqliteMetadataStore final : public MetadataStore {
public:
    static Result<std::unique_ptr<SqliteMetadataStore>> open(const std::filesystem::path& path);

    Result<bool> repository_exists(std::string_view repository) override;
    Result<std::vector<std::string>> list_repositories(const PageRequest& page) override;
    Status link_blob(std::string_view repository, std::string_view digest) override;
    Result<bool> blob_linked(std::string_view repository, std::string_view digest) override;
    Result<bool> unlink_blob(std::string_view repository, std::string_view digest) override;
    Status put_manifest(std::string_view repository, const ManifestRecord& manifest, std::string_view tag) override;
    Result<std::optional<ManifestRecord>> get_manifest(std::string_view repository, std::string_view digest) override;
    Result<std::optional<std::string>> resolve_tag(std::string_view repository, std::string_view tag) override;
    Result<bool> delete_manifest(std::string_view repository, std::string_view digest) override;
    Result<bool> delete_tag(std::string_view repository, std::string_view tag) override;
    Result<std::vector<std::string>> list_tags(std::string_view repository, const PageRequest& page) override;
    Result<std::vector<ManifestRecord>> referrers(std::string_view repository, std::string_view subject,
                                                  std::string_view artifact_type) override;
    Result<std::vector<std::string>> referenced_digests() override;
    Status forget_blob(std::string_view digest) override;

private:
    explicit SqliteMetadataStore(std::unique_ptr<SqliteDatabase> db) : db_(std::move(db)) {}
    Result<int64_t> repository_id(std::string_view repository, bool create);
    Result<std::vector<std::string>> list_strings(std::string_view sql, std::string_view key, const PageRequest& page);

    // One connection shared by the handler threads; SQLite calls are short, and one writer at a
    // time is what SQLite allows anyway.
    std::mutex mutex_;
    std::unique_ptr<SqliteDatabase> db_;
};

}  // namespace moat::registry
