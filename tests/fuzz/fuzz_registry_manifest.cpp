// Fuzzes what the registry reads from a push: manifest and index JSON (parse_manifest), repository
// names and tags. Every digest the manifest reader accepts becomes a blob file name, so each must
// be "sha256:" and 64 lowercase hex digits.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "image/digest.h"
#include "registry/distribution/manifest_document.h"
#include "registry/distribution/oci_names.h"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    for (std::string_view content_type : {std::string_view{}, moat::registry::kOciManifest, moat::registry::kDockerManifestList}) {
        if (auto manifest = moat::registry::parse_manifest(text, content_type)) {
            for (const auto& digest : manifest->blobs) require(moat::is_sha256_digest(digest));
            for (const auto& digest : manifest->child_manifests) require(moat::is_sha256_digest(digest));
            require(manifest->subject.empty() || moat::is_sha256_digest(manifest->subject));
        }
    }
    if (size <= 300) {
        if (moat::registry::is_repository_name(text))
            require(text.find("..") == std::string_view::npos && text.front() != '/' && text.back() != '/');
        (void)moat::registry::is_tag(text);
    }
    return 0;
}
