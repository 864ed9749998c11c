// What the registry knows besides blob bytes: repositories, the blobs linked into each, manifests
// (media type, size, what they reference), tags and referrers. SQLite is the embedded default;
// a PostgreSQL implementation for scaled-out deployments implements the same interface.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace moat::registry {

struct ManifestRecord {
    std::string digest;
    std::string media_type;
    uint64_t size = 0;
    std::string artifact_type;     // artifactType, else the config's media type; may be empty
    std::string subject;           // digest of the subject manifest, empty when none
    std::string annotations_json;  // the manifest's annotations object, "" when none
    std::vector<std::string> blobs;            // config and layers
    std::vector<std::string> child_manifests;  // an index's manifests
};

// One page of a sorted listing: at most `limit` names after `last` (exclusive).
struct PageRequest {
    std::string last;
    std::optional<size_t> limit;
};

class MetadataStore {
public:
    virtual ~MetadataStore() = default;

    virtual Result<bool> repository_exists(std::string_view repository) = 0;
    virtual Result<std::vector<std::string>> list_repositories(const PageRequest& page) = 0;

    // Blobs a repository may serve (uploaded into it or mounted from another).
    virtual Status link_blob(std::string_view repository, std::string_view digest) = 0;
    virtual Result<bool> blob_linked(std::string_view repository, std::string_view digest) = 0;
    // false when the blob was not linked.
    virtual Result<bool> unlink_blob(std::string_view repository, std::string_view digest) = 0;

    // Records the manifest in `repository` (idempotent) and points `tag` at it when not empty.
    virtual Status put_manifest(std::string_view repository, const ManifestRecord& manifest,
                                std::string_view tag) = 0;
    virtual Result<std::optional<ManifestRecord>> get_manifest(std::string_view repository,
                                                               std::string_view digest) = 0;
    virtual Result<std::optional<std::string>> resolve_tag(std::string_view repository, std::string_view tag) = 0;
    // Removes the manifest from the repository with the tags that point at it; false when absent.
    virtual Result<bool> delete_manifest(std::string_view repository, std::string_view digest) = 0;
    virtual Result<bool> delete_tag(std::string_view repository, std::string_view tag) = 0;
    virtual Result<std::vector<std::string>> list_tags(std::string_view repository, const PageRequest& page) = 0;
    // Manifests of `repository` whose subject is `subject`, optionally of one artifact type.
    virtual Result<std::vector<ManifestRecord>> referrers(std::string_view repository, std::string_view subject,
                                                          std::string_view artifact_type) = 0;

    // Every digest some manifest of some repository needs (the manifests themselves, their
    // blobs): the mark phase of garbage collection.
    virtual Result<std::vector<std::string>> referenced_digests() = 0;
    // Drops links to a blob that garbage collection removed.
    virtual Status forget_blob(std::string_view digest) = 0;
};

}  // namespace moat::registry
