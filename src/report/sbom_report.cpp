#include "report/sbom_report.h"

#include <algorithm>

#include <fmt/format.h>

#include "inventory/purl.h"

namespace moat {

using json = nlohmann::json;

json image_json(const ImageMetadata& image) {
    json layers = json::array();
    for (const auto& layer : image.layers)
        layers.push_back({{"digest", layer.digest}, {"diff_id", layer.diff_id}});
    std::string digest = image.manifest_digest.empty() ? image.config_digest : image.manifest_digest;
    json out = {{"ref", image.ref}, {"digest", digest.empty() ? json(nullptr) : json(digest)},
                {"layers", layers}};
    if (!image.config_digest.empty()) out["config_digest"] = image.config_digest;
    if (!image.repo_tags.empty()) out["repo_tags"] = image.repo_tags;
    return out;
}

json os_json(const std::optional<OsInfo>& os) {
    if (!os) return nullptr;
    json out = {{"family", os->family}, {"version", os->version}};
    out["codename"] = os->codename.empty() ? json(nullptr) : json(os->codename);
    if (!os->pretty_name.empty()) out["name"] = os->pretty_name;
    if (os->distroless) out["distroless"] = true;
    return out;
}

json package_json(const Package& package, const OsInfo* os) {
    json out = {{"type", package.type}, {"name", package.name}, {"version", package.version}};
    if (package.type == "rpm") {
        if (package.epoch) out["epoch"] = *package.epoch;
        out["release"] = package.release;
    }
    if (!package.arch.empty()) out["arch"] = package.arch;
    if (!package.source_name.empty()) out["source_name"] = package.source_name;
    if (!package.source_version.empty()) out["source_version"] = package.source_version;
    if (package.type == "rpm" && !package.source_release.empty())
        out["source_release"] = package.source_release;
    if (package.type == "rpm" && package.source_epoch) out["source_epoch"] = *package.source_epoch;
    if (!package.licenses.empty()) out["licenses"] = package.licenses;
    if (!package.modularity_label.empty()) out["modularity_label"] = package.modularity_label;
    if (package.dev) out["dev"] = true;
    if (package.low_confidence) out["low_confidence"] = true;
    out["purl"] = package_url(package, os);
    out["path"] = package.path;
    out["layer"] = package.layer.empty() ? json(nullptr) : json(package.layer);
    return out;
}

json sbom_json(const ImageInventory& inventory) {
    const OsInfo* os = inventory.os ? &*inventory.os : nullptr;
    json packages = json::array();
    for (const auto& package : inventory.packages) packages.push_back(package_json(package, os));
    return {{"image", image_json(inventory.image)}, {"os", os_json(inventory.os)}, {"packages", packages}};
}

std::string sbom_table(const ImageInventory& inventory) {
    std::string out = fmt::format("{}\n", inventory.image.ref);
    if (inventory.os)
        out += fmt::format("OS: {} {}{}\n", inventory.os->family, inventory.os->version,
                           inventory.os->codename.empty() ? "" : " (" + inventory.os->codename + ")");
    else
        out += "OS: not recognised\n";
    out += fmt::format("{} packages\n\n", inventory.packages.size());
    size_t name_width = 4, version_width = 7, type_width = 4;
    auto full_version = [](const Package& package) {
        std::string version = package.version;
        if (package.type == "rpm") {
            if (!package.release.empty()) version += "-" + package.release;
            if (package.epoch && *package.epoch) version = std::to_string(*package.epoch) + ":" + version;
        }
        return version;
    };
    for (const auto& package : inventory.packages) {
        name_width = std::max(name_width, package.name.size());
        version_width = std::max(version_width, full_version(package).size());
        type_width = std::max(type_width, package.type.size());
    }
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", "TYPE", type_width, "NAME", name_width, "VERSION",
                       version_width, "PATH");
    for (const auto& package : inventory.packages)
        out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {}\n", package.type, type_width, package.name,
                           name_width, full_version(package), version_width, package.path);
    return out;
}

}  // namespace moat
