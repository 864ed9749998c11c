// Writes the fixed image: the input's config with the new layer's diff_id and a history entry,
// a manifest with the layer appended (same media-type family as the input), stored as
// `<tag>_fix` (or over the tag) in an OCI layout, or as a new docker-archive. The input image's
// manifest, config and layers are never changed.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "fix/layer_writer.h"
#include "image/image.h"
#include "image/registry_client.h"
#include "util/result.h"

namespace moat::fix {

struct ImageTarget {
    enum class Kind { OciLayout, DockerArchive, Registry } kind = Kind::OciLayout;
    std::filesystem::path path;  // the layout directory or the archive file
    std::string tag;             // OCI: the ref.name; docker-archive: "repo:tag"; registry: tag
    std::string registry, repository;        // registry targets: "HOST[:PORT]", "team/app"
    RegistryClientOptions registry_options;  // registry targets: --insecure, credentials
    std::string ref() const;  // "oci:DIR:TAG", "docker-archive:FILE" or "HOST/REPO:TAG"
};

// Where `moat fix INPUT [--output OUTPUT] [--overwrite]` writes. `repo_tags` are the input's
// (docker-archive) tags. A registry input is written back to its repository as <TAG>_fix (an
// input named by digest needs --output); registry_options are left for the caller to fill.
Result<ImageTarget> resolve_target(const std::string& input_ref, const std::string& output_ref,
                                   bool overwrite, const std::vector<std::string>& repo_tags);

struct HistoryNote {
    std::string created;     // RFC 3339 UTC
    std::string created_by;  // "moat fix: upgraded libssl3 3.0.11-1~deb12u2 -> ..."
    std::string comment;
};

// The input config with the layer's diff_id appended to rootfs.diff_ids and `note` appended to
// the history.
nlohmann::json fixed_config(const nlohmann::json& config, const std::string& diff_id,
                            const HistoryNote& note);

// The input manifest (or a new one when the input had none) with `config` and `layer` swapped
// in/appended; media types follow the manifest's family (OCI or Docker schema 2).
nlohmann::json fixed_manifest(const nlohmann::json& manifest, const std::string& config_digest,
                              uint64_t config_size, const WrittenLayer& layer);

// Adds (or replaces) the entry named `tag` in an OCI index document.
nlohmann::json index_with_entry(const nlohmann::json& index, const std::string& tag,
                                const std::string& manifest_media_type,
                                const std::string& manifest_digest, uint64_t manifest_size);

struct FixedImage {
    std::string ref;
    std::string manifest_digest;
    std::string config_digest;
};

Result<FixedImage> write_fixed_image(const ImageSource& input, const ImageTarget& target,
                                     const WrittenLayer& layer, const HistoryNote& note);

}  // namespace moat::fix
