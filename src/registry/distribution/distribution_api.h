// The OCI distribution-spec v1.1 API under /v2/: pull, push, uploads, mounts, tags, catalog,
// deletes and referrers, over the blob, upload and metadata stores. Every request is checked
// with the AccessControl first.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "registry/auth/access_control.h"
#include "registry/http/http_message.h"
#include "registry/metadata/metadata_store.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/upload_store.h"

namespace moat::registry {

inline constexpr size_t kMaxManifestBytes = 4 * 1024 * 1024;

class DistributionApi {
public:
    DistributionApi(BlobStore& blobs, UploadStore& uploads, MetadataStore& metadata, AccessControl& access);

    // For any path under /v2 (or /v2 itself).
    HttpResponse handle(HttpRequest& request);

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

    // Manifest GETs dominate a registry's traffic: tag/digest -> bytes stays in memory, dropped on
    // every manifest or tag write. The generation stops a reader from caching what a writer replaced.
    std::mutex cache_mutex_;
    uint64_t cache_generation_ = 0;
    size_t cache_bytes_ = 0;
    std::map<std::string, std::shared_ptr<const CachedManifest>> cache_;
};

}  // namespace moat::registry
