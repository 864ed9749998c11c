// oci:DIR[:TAG] — an OCI image layout directory: index.json → (index →) manifest → config.
#include <filesystem>

#include <fmt/format.h>

#include "image/digest.h"
#include "image/image.h"
#include "image/manifest.h"

namespace moat {
namespace {

namespace fs = std::filesystem;
constexpr int kMaxIndexDepth = 4;

class OciLayoutSource : public ImageSource {
public:
    OciLayoutSource(fs::path root, std::string ref) : root_(std::move(root)), ref_(std::move(ref)) {}

    const ImageMetadata& metadata() const override { return metadata_; }

    Result<std::unique_ptr<ByteSource>> open_layer(size_t index) const override {
        const auto& layer = metadata_.layers.at(index);
        fs::path path = blob_path(layer.digest);
        std::string description = fmt::format("{}: layer {}", ref_, layer.digest);
        if (!fs::exists(path)) return Error{description + ": blob is missing from the layout"};
        return open_file_source(path, description);
    }

    std::string expected_layer_digest(size_t index) const override {
        return metadata_.layers.at(index).digest;
    }

    fs::path blob_path(const std::string& digest) const {
        return root_ / "blobs" / "sha256" / std::string(digest_hex(digest));
    }

    // Reads a small blob and checks it against its digest.
    Result<std::string> read_blob(const std::string& digest, const std::string& what) const {
        std::string description = fmt::format("{}: {} {}", ref_, what, digest);
        fs::path path = blob_path(digest);
        if (!fs::exists(path)) return Error{description + ": blob is missing from the layout"};
        auto text = read_small_file(path, kMaxImageDocumentBytes, description);
        if (!text) return text.error();
        std::string actual = sha256_digest(*text);
        if (actual != digest)
            return Error{fmt::format("{}: digest mismatch: content hashes to {}", description, actual)};
        return text;
    }

    Status load(const std::string& tag, const OpenOptions& options) {
        if (!fs::is_directory(root_))
            return Error{fmt::format("{}: {} is not a directory", ref_, root_.string())};
        if (!fs::exists(root_ / "oci-layout"))
            return Error{fmt::format("{}: not an OCI image layout (no oci-layout file)", ref_)};
        auto index_text = read_small_file(root_ / "index.json", kMaxImageDocumentBytes, ref_ + ": index.json");
        if (!index_text) return index_text.error();
        auto entries = parse_index(*index_text, ref_ + ": index.json");
        if (!entries) return entries.error();
        auto chosen = choose_by_tag(*entries, tag);
        if (!chosen) return chosen.error();
        metadata_.ref = ref_;
        return load_descriptor(*chosen, options, 0);
    }

private:
    Result<Descriptor> choose_by_tag(const std::vector<Descriptor>& entries, const std::string& tag) const {
        if (!tag.empty()) {
            for (const auto& entry : entries)
                if (entry.ref_name == tag) return entry;
            return Error{fmt::format("{}: no image tagged \"{}\" in the layout (tags: {})", ref_, tag,
                                     tag_list(entries))};
        }
        if (entries.empty()) return Error{fmt::format("{}: the layout holds no image", ref_)};
        for (const auto& entry : entries)
            if (entry.digest != entries.front().digest)
                return Error{fmt::format(
                    "{}: the layout holds {} images; name one as oci:DIR:TAG (tags: {})", ref_,
                    entries.size(), tag_list(entries))};
        return entries.front();
    }

    static std::string tag_list(const std::vector<Descriptor>& entries) {
        std::string out;
        for (const auto& entry : entries) {
            if (entry.ref_name.empty()) continue;
            if (!out.empty()) out += ", ";
            out += entry.ref_name;
        }
        return out.empty() ? "none" : out;
    }

    Status load_descriptor(const Descriptor& descriptor, const OpenOptions& options, int depth) {
        if (depth > kMaxIndexDepth)
            return Error{fmt::format("{}: image indexes nested too deeply", ref_)};
        auto text = read_blob(descriptor.digest, "manifest");
        if (!text) return text.error();
        std::string media_type = descriptor.media_type.empty() ? document_media_type(*text)
                                                               : descriptor.media_type;
        std::string where = fmt::format("{}: manifest {}", ref_, descriptor.digest);
        if (is_index_media_type(media_type)) {
            auto entries = parse_index(*text, where);
            if (!entries) return entries.error();
            auto chosen = select_platform(*entries, options.platform, where);
            if (!chosen) return chosen.error();
            return load_descriptor(*chosen, options, depth + 1);
        }
        if (!is_manifest_media_type(media_type))
            return Error{fmt::format("{}: unsupported media type \"{}\"", where, media_type)};
        auto manifest = parse_manifest(*text, where);
        if (!manifest) return manifest.error();
        metadata_.manifest_digest = descriptor.digest;
        metadata_.config_digest = manifest->config.digest;
        auto config_text = read_blob(manifest->config.digest, "config");
        if (!config_text) return config_text.error();
        metadata_.config = nlohmann::json::parse(*config_text, nullptr, false);
        if (!metadata_.config.is_object())
            return Error{fmt::format("{}: config {} is not a JSON object", ref_, manifest->config.digest)};
        std::vector<std::string> diff_ids = config_diff_ids(metadata_.config);
        for (size_t i = 0; i < manifest->layers.size(); ++i) {
            const auto& layer = manifest->layers[i];
            metadata_.layers.push_back(LayerInfo{layer.digest, i < diff_ids.size() ? diff_ids[i] : "",
                                                 layer.media_type, layer.size});
        }
        return Status::Ok();
    }

    fs::path root_;
    std::string ref_;
    ImageMetadata metadata_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> open_oci_layout(const std::string& ref, const std::string& spec,
                                                     const OpenOptions& options) {
    // oci:DIR:TAG — the tag follows the last ':' unless DIR itself exists with that name.
    std::string dir = spec, tag;
    if (size_t colon = spec.rfind(':'); colon != std::string::npos && !fs::exists(spec)) {
        dir = spec.substr(0, colon);
        tag = spec.substr(colon + 1);
    }
    if (dir.empty()) return Error{fmt::format("{}: no directory given", ref)};
    auto source = std::make_unique<OciLayoutSource>(dir, ref);
    if (Status status = source->load(tag, options); !status.ok()) return status.error();
    return std::unique_ptr<ImageSource>(std::move(source));
}

}  // namespace moat
