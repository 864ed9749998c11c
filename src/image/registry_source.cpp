// HOST[:PORT]/REPO[:TAG|@DIGEST] — an image in a registry: manifest (through an index for the
// chosen platform), config and layers over the distribution API; layers stream as they are
// walked and are checked against their digests like any other source.
#include <fmt/format.h>

#include "image/image.h"
#include "image/image_reference.h"
#include "image/manifest.h"
#include "image/registry_client.h"

namespace moat {
namespace {

constexpr int kMaxIndexDepth = 4;

class RegistryImageSource : public ImageSource {
public:
    RegistryImageSource(std::string ref, ImageReference reference, RegistryClientOptions options)
        : ref_(std::move(ref)), reference_(std::move(reference)),
          client_(std::make_unique<RegistryClient>(reference_.registry, std::move(options))) {}

    const ImageMetadata& metadata() const override { return metadata_; }

    Result<std::unique_ptr<ByteSource>> open_layer(size_t index) const override {
        return client_->open_blob(reference_.repository, metadata_.layers.at(index).digest);
    }

    std::string expected_layer_digest(size_t index) const override { return metadata_.layers.at(index).digest; }

    Status load(const OpenOptions& options) {
        metadata_.ref = ref_;
        if (!reference_.tag.empty()) metadata_.repo_tags.push_back(reference_.repository + ":" + reference_.tag);
        return load_reference(reference_.reference(), options, 0);
    }

private:
    Status load_reference(const std::string& reference, const OpenOptions& options, int depth) {
        if (depth > kMaxIndexDepth) return Error{fmt::format("{}: image indexes nested too deeply", ref_)};
        auto document = client_->get_manifest(reference_.repository, reference);
        if (!document) return document.error();
        std::string where = fmt::format("{}: manifest {}", ref_, document->digest);
        if (is_index_media_type(document->media_type)) {
            auto entries = parse_index(document->body, where);
            if (!entries) return entries.error();
            auto chosen = select_platform(*entries, options.platform, where);
            if (!chosen) return chosen.error();
            return load_reference(chosen->digest, options, depth + 1);
        }
        if (!is_manifest_media_type(document->media_type))
            return Error{fmt::format("{}: unsupported media type \"{}\"", where, document->media_type)};
        auto manifest = parse_manifest(document->body, where);
        if (!manifest) return manifest.error();
        metadata_.manifest_digest = document->digest;
        metadata_.config_digest = manifest->config.digest;
        auto config_text = client_->get_blob(reference_.repository, manifest->config.digest, kMaxImageDocumentBytes);
        if (!config_text) return Error{fmt::format("{}: config: {}", ref_, config_text.error().message)};
        metadata_.config = nlohmann::json::parse(*config_text, nullptr, false);
        if (!metadata_.config.is_object())
            return Error{fmt::format("{}: config {} is not a JSON object", ref_, manifest->config.digest)};
        std::vector<std::string> diff_ids = config_diff_ids(metadata_.config);
        for (size_t i = 0; i < manifest->layers.size(); ++i) {
            const auto& layer = manifest->layers[i];
            metadata_.layers.push_back(
                LayerInfo{layer.digest, i < diff_ids.size() ? diff_ids[i] : "", layer.media_type, layer.size});
        }
        return Status::Ok();
    }

    std::string ref_;
    ImageReference reference_;
    std::unique_ptr<RegistryClient> client_;
    ImageMetadata metadata_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> open_registry_image(const std::string& ref, const OpenOptions& options) {
    auto reference = parse_image_reference(ref);
    if (!reference) return reference.error();
    RegistryClientOptions client_options;
    client_options.plain_http = options.insecure;
    if (!options.username.empty()) client_options.credentials = {options.username, options.password};
    else client_options.credentials = find_registry_credentials(reference->registry);
    auto source = std::make_unique<RegistryImageSource>(ref, std::move(*reference), std::move(client_options));
    if (Status status = source->load(options); !status.ok()) return status.error();
    return std::unique_ptr<ImageSource>(std::move(source));
}

}  // namespace moat
