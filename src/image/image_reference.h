// Registry image references as Docker, Kubernetes and skopeo read them: "nginx" is
// docker.io/library/nginx:latest; the first component is a registry host when it has a '.' or a
// ':' or is "localhost".
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace moat {

struct ImageReference {
    std::string registry;    // "127.0.0.1:5000", "docker.io"
    std::string repository;  // "team/app", "library/nginx"
    std::string tag;         // "" when only a digest is given
    std::string digest;      // "sha256:…" or ""

    // The tag or digest to ask a registry for (the digest wins when both are given).
    const std::string& reference() const { return digest.empty() ? tag : digest; }
    std::string to_string() const;
};

Result<ImageReference> parse_image_reference(std::string_view text);

// Whether `text` names a registry image explicitly (HOST[:PORT]/REPO...), as opposed to a
// local path or a bare Docker Hub name.
bool names_registry_host(std::string_view text);

}  // namespace moat
