#include "image/manifest.h"

#include <fmt/format.h>

#include "image/digest.h"

namespace moat {
namespace {

using json = nlohmann::json;

std::string string_field(const json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<Descriptor> parse_descriptor(const json& node, const std::string& where) {
    if (!node.is_object()) return Error{fmt::format("{}: a descriptor is not an object", where)};
    Descriptor out;
    out.media_type = string_field(node, "mediaType");
    out.digest = string_field(node, "digest");
    if (!is_sha256_digest(out.digest))
        return Error{fmt::format("{}: invalid or unsupported digest \"{}\"", where, out.digest)};
    if (auto size = node.find("size"); size != node.end() && size->is_number_unsigned())
        out.size = size->get<uint64_t>();
    if (auto platform = node.find("platform"); platform != node.end() && platform->is_object()) {
        out.platform_os = string_field(*platform, "os");
        out.platform_architecture = string_field(*platform, "architecture");
        out.platform_variant = string_field(*platform, "variant");
    }
    if (auto annotations = node.find("annotations");
        annotations != node.end() && annotations->is_object())
        out.ref_name = string_field(*annotations, "org.opencontainers.image.ref.name");
    return out;
}

Result<json> parse_json(std::string_view text, const std::string& where) {
    json document = json::parse(text, nullptr, false);
    if (document.is_discarded()) return Error{fmt::format("{}: not valid JSON", where)};
    if (!document.is_object()) return Error{fmt::format("{}: not a JSON object", where)};
    return document;
}

}  // namespace

bool is_index_media_type(std::string_view media_type) {
    return media_type == "application/vnd.oci.image.index.v1+json" ||
           media_type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

bool is_manifest_media_type(std::string_view media_type) {
    return media_type == "application/vnd.oci.image.manifest.v1+json" ||
           media_type == "application/vnd.docker.distribution.manifest.v2+json";
}

std::string document_media_type(std::string_view text) {
    json document = json::parse(text, nullptr, false);
    if (!document.is_object()) return {};
    std::string declared = string_field(document, "mediaType");
    if (!declared.empty()) return declared;
    if (document.contains("manifests")) return "application/vnd.oci.image.index.v1+json";
    if (document.contains("layers")) return "application/vnd.oci.image.manifest.v1+json";
    return {};
}

Result<std::vector<Descriptor>> parse_index(std::string_view text, const std::string& where) {
    auto document = parse_json(text, where);
    if (!document) return document.error();
    auto manifests = document->find("manifests");
    if (manifests == document->end() || !manifests->is_array())
        return Error{fmt::format("{}: no \"manifests\" array", where)};
    std::vector<Descriptor> out;
    for (const auto& node : *manifests) {
        auto descriptor = parse_descriptor(node, where);
        if (!descriptor) return descriptor.error();
        out.push_back(std::move(*descriptor));
    }
    return out;
}

Result<ImageManifest> parse_manifest(std::string_view text, const std::string& where) {
    auto document = parse_json(text, where);
    if (!document) return document.error();
    ImageManifest out;
    auto config = document->find("config");
    if (config == document->end())
        return Error{fmt::format("{}: not an image manifest (no \"config\")", where)};
    auto parsed_config = parse_descriptor(*config, where + " config");
    if (!parsed_config) return parsed_config.error();
    out.config = std::move(*parsed_config);
    auto layers = document->find("layers");
    if (layers == document->end() || !layers->is_array())
        return Error{fmt::format("{}: no \"layers\" array", where)};
    for (const auto& node : *layers) {
        auto layer = parse_descriptor(node, where + " layer");
        if (!layer) return layer.error();
        out.layers.push_back(std::move(*layer));
    }
    return out;
}

std::vector<std::string> config_diff_ids(const nlohmann::json& config) {
    std::vector<std::string> out;
    if (!config.is_object()) return out;
    auto rootfs = config.find("rootfs");
    if (rootfs == config.end() || !rootfs->is_object()) return out;
    auto ids = rootfs->find("diff_ids");
    if (ids == rootfs->end() || !ids->is_array()) return out;
    for (const auto& id : *ids) out.push_back(id.is_string() ? id.get<std::string>() : "");
    return out;
}

Result<Descriptor> select_platform(const std::vector<Descriptor>& entries, const Platform& platform,
                                   const std::string& where) {
    const Descriptor* fallback = nullptr;
    std::vector<std::string> available;
    for (const auto& entry : entries) {
        if (entry.platform_os.empty() && entry.platform_architecture.empty()) continue;
        available.push_back(entry.platform_os + "/" + entry.platform_architecture +
                            (entry.platform_variant.empty() ? "" : "/" + entry.platform_variant));
        if (entry.platform_os != platform.os || entry.platform_architecture != platform.architecture)
            continue;
        if (platform.variant.empty() || entry.platform_variant == platform.variant) return entry;
        if (!fallback) fallback = &entry;
    }
    if (fallback && platform.variant.empty()) return *fallback;
    return Error{fmt::format("{}: no image for platform {} (available: {})", where,
                             platform.to_string(),
                             available.empty() ? "none" : fmt::format("{}", fmt::join(available, ", ")))};
}

}  // namespace moat
