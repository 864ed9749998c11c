// Writes the one new layer of a fixed image: a gzip-compressed tar of what changed in the
// root filesystem, with whiteouts for what was removed, in a deterministic order, and the two
// digests an image needs (of the blob, and of the uncompressed tar for rootfs.diff_ids).
#pragma once

#include <filesystem>
#include <string>

#include "fix/rootfs_snapshot.h"
#include "util/result.h"

namespace moat::fix {

struct WrittenLayer {
    std::filesystem::path file;  // the .tar.gz blob
    std::string digest;          // sha256 of the blob
    std::string diff_id;         // sha256 of the uncompressed tar
    uint64_t size = 0;           // blob bytes
    uint64_t entries = 0;
    uint64_t uncompressed_size = 0;
};

struct LayerWriteOptions {
    // Not running as root, every file we wrote is ours: record our own uid/gid as root's, which
    // is what the image's files had (non-root unpacking cannot keep other owners).
    bool own_ids_as_root = false;
};

// Reads each written path from `rootfs` (never following symlinks) with the metadata `after`
// recorded, and writes the layer to `out`.
Result<WrittenLayer> write_diff_layer(const std::filesystem::path& rootfs, const RootfsDiff& diff,
                                      const RootfsSnapshot& after, const std::filesystem::path& out,
                                      const LayerWriteOptions& options = {});

}  // namespace moat::fix
