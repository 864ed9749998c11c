// OCI and Docker schema-2 manifests and indexes, parsed from untrusted JSON: selection of a
// platform from an index, and the layer list and config of an image manifest.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "image/image.h"
#include "util/result.h"

namespace moat {

// Manifests, indexes and configs larger than this are refused. The distribution spec expects
// registries to take manifests up to 4 MiB; JSON parsers need tens of times the text's size for
// deeply nested documents, so the cap also bounds memory on hostile input.
constexpr size_t kMaxImageDocumentBytes = 4 << 20;

struct Descriptor {
    std::string media_type;
    std::string digest;
    uint64_t size = 0;
    std::string platform_os, platform_architecture, platform_variant;
    std::string ref_name;  // org.opencontainers.image.ref.name annotation
};

struct ImageManifest {
    Descriptor config;
    std::vector<Descriptor> layers;
};

bool is_index_media_type(std::string_view media_type);
bool is_manifest_media_type(std::string_view media_type);

// `where` names the document in errors.
Result<std::vector<Descriptor>> parse_index(std::string_view text, const std::string& where);
Result<ImageManifest> parse_manifest(std::string_view text, const std::string& where);
// The media type a document declares (or implies by its shape).
std::string document_media_type(std::string_view text);

// rootfs.diff_ids of an image config, in layer order ("" where an entry is not a string).
std::vector<std::string> config_diff_ids(const nlohmann::json& config);

// Picks the manifest for `platform` from an index's entries.
Result<Descriptor> select_platform(const std::vector<Descriptor>& entries, const Platform& platform,
                                   const std::string& where);

}  // namespace moat
