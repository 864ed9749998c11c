#include "registry/scan/stored_image.h"

#include <fmt/format.h>

#include "image/byte_source.h"
#include "image/digest.h"
#include "image/manifest.h"

namespace moat::registry {

namespace {

class StoredImageSource final : public ImageSource {
public:
    StoredImageSource(const BlobStore& blobs, std::string ref) : blobs_(blobs) { metadata_.ref = std::move(ref); }

    const ImageMetadata& metadata() const override { return metadata_; }

    Result<std::unique_ptr<ByteSource>> open_layer(size_t index) const override {
        const auto& layer = metadata_.layers.at(index);
        std::string description = fmt::format("{}: layer {}", metadata_.ref, layer.digest);
        if (!blobs_.contains(layer.digest)) return Error{description + ": blob is not in the registry's store"};
        return open_file_source(blobs_.path_of(layer.digest), description);
    }

    std::string expected_layer_digest(size_t index) const override { return metadata_.layers.at(index).digest; }

    Status load(const std::string& manifest_digest) {
        // Blobs were verified when pushed; reading them back checks again, since the store is a
        // directory anyone with access to the host could touch.
        auto read_verified = [&](const std::string& digest, const char* what) -> Result<std::string> {
            auto bytes = blobs_.read_bytes(digest, kMaxImageDocumentBytes);
            if (!bytes) return Error{fmt::format("{}: {} {}: {}", metadata_.ref, what, digest, bytes.error().message)};
            if (sha256_digest(*bytes) != digest)
                return Error{fmt::format("{}: {} {}: stored content does not match its digest", metadata_.ref, what,
                                         digest)};
            return bytes;
        };
        auto manifest_text = read_verified(manifest_digest, "manifest");
        if (!manifest_text) return manifest_text.error();
        std::string where = fmt::format("{}: manifest {}", metadata_.ref, manifest_digest);
        std::string media_type = document_media_type(*manifest_text);
        if (!is_manifest_media_type(media_type))
            return Error{fmt::format("{}: not an image manifest (\"{}\")", where, media_type)};
        auto manifest = parse_manifest(*manifest_text, where);
        if (!manifest) return manifest.error();
        metadata_.manifest_digest = manifest_digest;
        metadata_.config_digest = manifest->config.digest;
        auto config_text = read_verified(manifest->config.digest, "config");
        if (!config_text) return config_text.error();
        metadata_.config = nlohmann::json::parse(*config_text, nullptr, false);
        if (!metadata_.config.is_object())
            return Error{fmt::format("{}: config {} is not a JSON object", metadata_.ref, manifest->config.digest)};
        std::vector<std::string> diff_ids = config_diff_ids(metadata_.config);
        for (size_t i = 0; i < manifest->layers.size(); ++i) {
            const auto& layer = manifest->layers[i];
            metadata_.layers.push_back(
                LayerInfo{layer.digest, i < diff_ids.size() ? diff_ids[i] : "", layer.media_type, layer.size});
        }
        return Status::Ok();
    }

private:
    const BlobStore& blobs_;
    ImageMetadata metadata_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> open_stored_image(const BlobStore& blobs, const std::string& ref,
                                                       const std::string& manifest_digest) {
    auto source = std::make_unique<StoredImageSource>(blobs, ref);
    if (Status status = source->load(manifest_digest); !status.ok()) return status.error();
    return std::unique_ptr<ImageSource>(std::move(source));
}

}  // namespace moat::registry
