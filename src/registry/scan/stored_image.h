// An image manifest held by moat's own registry, read straight from its blob store: the scan
// worker's view of a pushed image, with no HTTP and no second copy of any layer.
#pragma once

#include <memory>
#include <string>

#include "image/image.h"
#include "registry/storage/blob_store.h"
#include "util/result.h"

namespace moat::registry {

// `manifest_digest` must name an image manifest (OCI or Docker schema 2), not an index: the
// scan service expands indexes into their platform manifests itself. `ref` is what reports
// call the image ("team/app@sha256:…").
Result<std::unique_ptr<ImageSource>> open_stored_image(const BlobStore& blobs, const std::string& ref,
                                                       const std::string& manifest_digest);

}  // namespace moat::registry
