#include "image/image.h"

#include <fmt/format.h>

#include "image/image_reference.h"

namespace moat {

Result<Platform> Platform::parse(std::string_view text) {
    Platform out;
    out.os.clear();
    out.architecture.clear();
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= text.size()) {
        size_t slash = text.find('/', start);
        if (slash == std::string_view::npos) slash = text.size();
        parts.emplace_back(text.substr(start, slash - start));
        start = slash + 1;
    }
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
        return Error{fmt::format("--platform {}: expected OS/ARCH[/VARIANT]", text)};
    out.os = parts[0];
    out.architecture = parts[1];
    if (parts.size() == 3) out.variant = parts[2];
    return out;
}

std::string Platform::to_string() const {
    return variant.empty() ? os + "/" + architecture : os + "/" + architecture + "/" + variant;
}

Result<std::unique_ptr<ImageSource>> open_image(const std::string& ref, const OpenOptions& options) {
    auto starts_with = [&](std::string_view prefix) { return ref.rfind(prefix, 0) == 0; };
    if (starts_with("oci:")) return open_oci_layout(ref, ref.substr(4), options);
    if (starts_with("docker-archive:")) return open_docker_archive(ref, ref.substr(15), options);
    if (starts_with("dir:")) return open_rootfs_dir(ref, ref.substr(4));
    if (names_registry_host(ref)) return open_registry_image(ref, options);
    return Error{fmt::format(
        "{}: not an image reference; use oci:DIR[:TAG], docker-archive:FILE, dir:PATH or "
        "HOST[:PORT]/REPO[:TAG|@DIGEST]",
        ref)};
}

}  // namespace moat
