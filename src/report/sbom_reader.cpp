#include "report/sbom_reader.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace moat {

namespace {

using nlohmann::json;

std::string text(const json& object, const char* key) {
    auto found = object.find(key);
    return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::optional<long> number(const json& object, const char* key) {
    auto found = object.find(key);
    if (found == object.end() || !found->is_number_integer()) return std::nullopt;
    return found->get<long>();
}

Result<Package> read_package(const json& item, size_t index) {
    if (!item.is_object()) return Error{fmt::format("sbom: packages[{}] is not an object", index)};
    Package package;
    package.type = text(item, "type");
    package.name = text(item, "name");
    package.version = text(item, "version");
    if (package.type.empty() || package.name.empty())
        return Error{fmt::format("sbom: packages[{}] has no \"type\" or \"name\"", index)};
    package.epoch = number(item, "epoch");
    package.release = text(item, "release");
    package.arch = text(item, "arch");
    package.source_name = text(item, "source_name");
    package.source_version = text(item, "source_version");
    package.source_release = text(item, "source_release");
    package.source_epoch = number(item, "source_epoch");
    package.modularity_label = text(item, "modularity_label");
    if (auto licenses = item.find("licenses"); licenses != item.end() && licenses->is_array())
        for (const auto& license : *licenses)
            if (license.is_string()) package.licenses.push_back(license.get<std::string>());
    package.dev = item.value("dev", false);
    package.low_confidence = item.value("low_confidence", false);
    package.path = text(item, "path");
    package.layer = text(item, "layer");
    return package;
}

}  // namespace

Result<ImageInventory> inventory_from_sbom_json(std::string_view document_text) {
    json document = json::parse(document_text, nullptr, false);
    if (document.is_discarded() || !document.is_object()) return Error{"sbom: not a JSON object"};
    ImageInventory inventory;
    if (auto image = document.find("image"); image != document.end() && image->is_object()) {
        inventory.image.ref = text(*image, "ref");
        inventory.image.manifest_digest = text(*image, "digest");
        inventory.image.config_digest = text(*image, "config_digest");
        if (auto layers = image->find("layers"); layers != image->end() && layers->is_array())
            for (const auto& layer : *layers)
                if (layer.is_object())
                    inventory.image.layers.push_back({text(layer, "digest"), text(layer, "diff_id"), "", 0});
        if (auto tags = image->find("repo_tags"); tags != image->end() && tags->is_array())
            for (const auto& tag : *tags)
                if (tag.is_string()) inventory.image.repo_tags.push_back(tag.get<std::string>());
    }
    if (auto os = document.find("os"); os != document.end() && os->is_object()) {
        OsInfo info;
        info.family = text(*os, "family");
        info.version = text(*os, "version");
        info.codename = text(*os, "codename");
        info.pretty_name = text(*os, "name");
        info.distroless = os->value("distroless", false);
        inventory.os = std::move(info);
    }
    auto packages = document.find("packages");
    if (packages == document.end() || !packages->is_array()) return Error{"sbom: no \"packages\" array"};
    inventory.packages.reserve(packages->size());
    for (size_t i = 0; i < packages->size(); ++i) {
        auto package = read_package((*packages)[i], i);
        if (!package) return package.error();
        inventory.packages.push_back(std::move(*package));
    }
    return inventory;
}

}  // namespace moat
