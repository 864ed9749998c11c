// `moat gc`: removes blobs that no manifest of any repository needs (mark from the metadata,
// sweep the blob store), and upload sessions abandoned long ago. Blobs younger than the grace
// period stay: they may belong to a push whose manifest has not arrived yet.
#pragma once

#include <chrono>
#include <cstdint>

#include "registry/metadata/metadata_store.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/upload_store.h"
#include "util/result.h"

namespace moat::registry {

struct GarbageCollection {
    size_t blobs_kept = 0;
    size_t blobs_removed = 0;
    uint64_t bytes_removed = 0;
    size_t uploads_removed = 0;
};

struct GarbageCollectionOptions {
    std::chrono::seconds grace{3600};
    std::chrono::seconds upload_age{24 * 3600};
    bool dry_run = false;
};

Result<GarbageCollection> collect_garbage(BlobStore& blobs, UploadStore& uploads, MetadataStore& metadata,
                                          const GarbageCollectionOptions& options);

}  // namespace moat::registry
