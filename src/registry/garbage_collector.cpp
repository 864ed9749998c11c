#include "registry/garbage_collector.h"

#include <unordered_set>

namespace moat::registry {

Result<GarbageCollection> collect_garbage(BlobStore& blobs, UploadStore& uploads, MetadataStore& metadata,
                                          const GarbageCollectionOptions& options) {
    GarbageCollection result;
    // The listing comes first: a blob written after it is never considered, and one written
    // before the mark but referenced after it is younger than the grace period.
    auto stored = blobs.list();
    auto referenced = metadata.referenced_digests();
    if (!referenced) return referenced.error();
    std::unordered_set<std::string> marked(referenced->begin(), referenced->end());
    auto now = std::filesystem::file_time_type::clock::now();
    for (const auto& blob : stored) {
        if (marked.count(blob.digest) || now - blob.modified < options.grace) {
            ++result.blobs_kept;
            continue;
        }
        uint64_t size = blobs.size_of(blob.digest).value_or(0);
        if (!options.dry_run) {
            if (Status forgotten = metadata.forget_blob(blob.digest); !forgotten) return forgotten.error();
            if (Status removed = blobs.remove(blob.digest); !removed) return removed.error();
        }
        ++result.blobs_removed;
        result.bytes_removed += size;
    }
    if (!options.dry_run) result.uploads_removed = uploads.remove_older_than(options.upload_age);
    return result;
}

}  // namespace moat::registry
