#include "registry/distribution/manifest_document.h"

#include <nlohmann/json.hpp>

#include "image/digest.h"

namespace moat::registry {

namespace {

using nlohmann::json;

constexpr size_t kMaxDepth = 32;
constexpr size_t kMaxDescriptors = 10000;

// nlohmann's parser keeps a stack per level; a flat scan bounds the nesting before parsing.
bool nesting_within(std::string_view text, size_t limit) {
    size_t depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit) return false;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return true;
}

std::string_view base_type(std::string_view content_type) {
    size_t semicolon = content_type.find(';');
    std::string_view type = content_type.substr(0, semicolon);
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    return type;
}

Result<std::string> descriptor_digest(const json& descriptor, std::string_view where) {
    if (!descriptor.is_object()) return Error{std::string(where) + " is not a descriptor object"};
    auto digest = descriptor.find("digest");
    if (digest == descriptor.end() || !digest->is_string())
        return Error{std::string(where) + " has no digest"};
    std::string value = digest->get<std::string>();
    if (!is_sha256_digest(value)) return Error{std::string(where) + " has an invalid digest: " + value};
    return value;
}

bool is_foreign(const json& descriptor) {
    auto urls = descriptor.find("urls");
    return urls != descriptor.end() && urls->is_array() && !urls->empty();
}

}  // namespace

Result<ManifestDocument> parse_manifest(std::string_view bytes, std::string_view content_type) {
    if (!nesting_within(bytes, kMaxDepth)) return Error{"the manifest nests deeper than 32 levels"};
    json document;
    try {
        document = json::parse(bytes.begin(), bytes.end());
    } catch (const json::exception& error) {
        return Error{std::string("the manifest is not valid JSON: ") + error.what()};
    }
    if (!document.is_object()) return Error{"the manifest is not a JSON object"};
    auto schema = document.find("schemaVersion");
    if (schema == document.end() || !schema->is_number_integer() || schema->get<int64_t>() != 2)
        return Error{"schemaVersion must be 2"};

    ManifestDocument manifest;
    std::string declared;
    if (auto field = document.find("mediaType"); field != document.end()) {
        if (!field->is_string()) return Error{"mediaType is not a string"};
        declared = field->get<std::string>();
    }
    std::string header(base_type(content_type));
    if (!declared.empty() && !header.empty() && declared != header)
        return Error{"the manifest's mediaType " + declared + " differs from its Content-Type " + header};
    manifest.media_type = !declared.empty() ? declared : header;
    if (manifest.media_type.empty()) {
        // An OCI manifest may leave mediaType out: tell image from index by their fields.
        manifest.media_type = document.contains("manifests") ? kOciIndex : kOciManifest;
    }
    const std::string& type = manifest.media_type;
    if (type != kOciManifest && type != kOciIndex && type != kDockerManifest && type != kDockerManifestList)
        return Error{"unsupported manifest media type " + type};
    manifest.is_index = type == kOciIndex || type == kDockerManifestList;

    if (manifest.is_index) {
        auto list = document.find("manifests");
        if (list == document.end() || !list->is_array()) return Error{"the index has no manifests array"};
        if (list->size() > kMaxDescriptors) return Error{"the index lists too many manifests"};
        for (const auto& entry : *list) {
            auto digest = descriptor_digest(entry, "a manifests entry");
            if (!digest) return digest.error();
            manifest.child_manifests.push_back(*digest);
        }
    } else {
        auto config = document.find("config");
        if (config == document.end()) return Error{"the manifest has no config"};
        auto config_digest = descriptor_digest(*config, "config");
        if (!config_digest) return config_digest.error();
        manifest.blobs.push_back(*config_digest);
        if (auto config_type = config->find("mediaType"); config_type != config->end() && config_type->is_string())
            manifest.artifact_type = config_type->get<std::string>();
        auto layers = document.find("layers");
        if (layers == document.end() || !layers->is_array()) return Error{"the manifest has no layers array"};
        if (layers->size() > kMaxDescriptors) return Error{"the manifest lists too many layers"};
        for (const auto& layer : *layers) {
            auto digest = descriptor_digest(layer, "a layer");
            if (!digest) return digest.error();
            if (!is_foreign(layer)) manifest.blobs.push_back(*digest);  // foreign layers live elsewhere
        }
    }
    if (auto artifact = document.find("artifactType"); artifact != document.end()) {
        if (!artifact->is_string()) return Error{"artifactType is not a string"};
        manifest.artifact_type = artifact->get<std::string>();
    }
    if (auto subject = document.find("subject"); subject != document.end()) {
        auto digest = descriptor_digest(*subject, "subject");
        if (!digest) return digest.error();
        manifest.subject = *digest;
    }
    if (auto annotations = document.find("annotations"); annotations != document.end()) {
        if (!annotations->is_object()) return Error{"annotations is not an object"};
        manifest.annotations_json = annotations->dump();
    }
    return manifest;
}

}  // namespace moat::registry
