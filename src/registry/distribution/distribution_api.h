// The OCI distribution-spec v1.1 API under /v2/: pull, push, uploads, mounts, tags, catalog,
// deletes and referrers, over the blob, upload and metadata stores. Every request is checked
// with the AccessControl first.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "registry/auth/access_control.h"
#include "registry/http/http_message.h"
#include "registry/metadata/metadata_store.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/upload_store.h"

namespace moat::registry {

inline constexpr size_t kMaxManifestBytes = 4 * 1024 * 1024;

// Registry security plugs in here: the pull gate judges every manifest and blob read, and
// hears of every manifest pushed (to queue its scan).
class PullGate {
public:
    virtual ~PullGate() = default;
    // nullopt lets the read through; a message refuses it with 403 DENIED.
    virtual std::optional<std::string> refuse_manifest(const Principal& principal, const std::string& repository,
                                                       const std::string& reference, const std::string& digest) = 0;
    virtual std::optional<std::string> refuse_blob(const Principal& principal, const std::string& repository,
                                                   const std::string& digest) = 0;
    virtual void manifest_pushed(const std::string& repository, const std::string& digest, const std::string& tag) = 0;
};

class DistributionApi {
public:
    DistributionApi(BlobStore& blobs, UploadStore& uploads, MetadataStore& metadata, AccessControl& access);

    // For any path under /v2 (or /v2 itself).
    HttpResponse handle(HttpRequest& request);
    // Before serving; the gate must outlive the API.
    void set_gate(PullGate* gate) { gate_ = gate; }

private:
    struct Route;
    struct CachedManifest {
        std::string digest;
        std::string media_type;
        std::string bytes;
    };

    HttpResponse catalog(HttpRequest& request);
    HttpResponse get_manifest(HttpRequest& request, const Route& route);
    HttpResponse put_manifest(HttpRequest& request, const Route& route);
    HttpResponse delete_manifest(HttpRequest& request, const Route& route);
    HttpResponse get_blob(HttpRequest& request, const Route& route);
    HttpResponse delete_blob(HttpRequest& request, const Route& route);
    HttpResponse start_upload(HttpRequest& request, const Route& route);
    HttpResponse patch_upload(HttpRequest& request, const Route& route);
    HttpResponse finish_upload(HttpRequest& request, const Route& route);
    HttpResponse upload_status(HttpRequest& request, const Route& route);
    HttpResponse cancel_upload(HttpRequest& request, const Route& route);
    HttpResponse list_tags(HttpRequest& request, const Route& route);
    HttpResponse referrers(HttpRequest& request, const Route& route);

    // The manifest a tag or digest names in a repository (from memory when cached).
    std::shared_ptr<const CachedManifest> find_manifest(const std::string& repository, const std::string& reference);
    void invalidate_manifests();

    BlobStore& blobs_;
    UploadStore& uploads_;
    MetadataStore& metadata_;
    AccessControl& access_;
    PullGate* gate_ = nullptr;

    // Manifest GETs dominate a registry's traffic: tag/digest -> bytes stays in memory, dropped on
    // every manifest or tag write. The generation stops a reader from caching what a writer replaced.
    std::mutex cache_mutex_;
    uint64_t cache_generation_ = 0;
    size_t cache_bytes_ = 0;
    std::map<std::string, std::shared_ptr<const CachedManifest>> cache_;
};

}  // namespace moat::registry
