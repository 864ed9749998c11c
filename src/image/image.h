// Image sources: an image reference (oci:, docker-archive:, dir:) opened into its metadata and
// an ordered list of layers that can each be streamed once, verified against its digest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/byte_source.h"
#include "util/result.h"

namespace moat {

struct Platform {
    std::string os = "linux";
    std::string architecture = "amd64";
    std::string variant;
    static Result<Platform> parse(std::string_view text);  // "linux/arm64/v8"
    std::string to_string() const;
};

struct LayerInfo {
    std::string digest;      // digest of the blob as stored (compressed), or the diff_id
    std::string diff_id;     // digest of the uncompressed tar, from the config
    std::string media_type;  // empty when the source does not say
    uint64_t size = 0;
};

struct ImageMetadata {
    std::string ref;              // as the user wrote it
    std::string manifest_digest;  // empty when the source has no manifest (dir:, legacy archive)
    std::string config_digest;
    nlohmann::json config;  // the image config document (null for dir:)
    std::vector<LayerInfo> layers;
    std::vector<std::string> repo_tags;
};

class ImageSource {
public:
    virtual ~ImageSource() = default;
    virtual const ImageMetadata& metadata() const = 0;
    // The raw bytes of layer `index` (possibly compressed); TarStream verifies them against
    // expected_layer_digest(index) as they stream.
    virtual Result<std::unique_ptr<ByteSource>> open_layer(size_t index) const = 0;
    virtual std::string expected_layer_digest(size_t index) const = 0;
    // For dir: sources, the root to walk instead of layer streams.
    virtual std::optional<std::filesystem::path> rootfs() const { return std::nullopt; }
};

struct OpenOptions {
    Platform platform;
    // Registry images: plain HTTP (--insecure), and credentials (else found in the environment
    // and the docker/podman auth files).
    bool insecure = false;
    std::string username;
    std::string password;
};

// Opens `oci:DIR[:TAG]`, `docker-archive:FILE` or `dir:PATH`.
Result<std::unique_ptr<ImageSource>> open_image(const std::string& ref, const OpenOptions& options);

// Implementations (one file each).
Result<std::unique_ptr<ImageSource>> open_oci_layout(const std::string& ref,
                                                     const std::string& spec,
                                                     const OpenOptions& options);
Result<std::unique_ptr<ImageSource>> open_docker_archive(const std::string& ref,
                                                         const std::string& spec,
                                                         const OpenOptions& options);
Result<std::unique_ptr<ImageSource>> open_registry_image(const std::string& ref, const OpenOptions& options);
Result<std::unique_ptr<ImageSource>> open_rootfs_dir(const std::string& ref,
                                                     const std::string& spec);

}  // namespace moat
