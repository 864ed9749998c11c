// Reads a pushed manifest (untrusted JSON): which kind it is, what it references, its subject,
// artifact type and annotations. OCI image manifest and index, Docker schema-2 manifest and
// manifest list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace moat::registry {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

struct ManifestDocument {
    std::string media_type;
    bool is_index = false;
    std::vector<std::string> blobs;            // config and layers the registry must hold
    std::vector<std::string> child_manifests;  // an index's manifests
    std::string subject;                       // subject descriptor's digest
    std::string artifact_type;                 // artifactType, else config.mediaType
    std::string annotations_json;              // "" when none
};

// `content_type` is the request's Content-Type (may be empty). The error message says what is
// wrong, for a MANIFEST_INVALID answer.
Result<ManifestDocument> parse_manifest(std::string_view bytes, std::string_view content_type);

}  // namespace moat::registry
