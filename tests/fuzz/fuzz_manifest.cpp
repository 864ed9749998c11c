// Fuzzes the parsers of untrusted image metadata: OCI/Docker indexes and manifests, the media
// type sniffing, image-config diff_ids and platform selection. Every digest they accept becomes
// a file name under blobs/sha256, so each must be "sha256:" and 64 lowercase hex digits.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "image/digest.h"
#include "image/manifest.h"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::string where = "fuzz";

    (void)moat::document_media_type(text);

    if (auto entries = moat::parse_index(text, where)) {
        for (const auto& entry : *entries) require(moat::is_sha256_digest(entry.digest));
        for (const char* wanted : {"linux/amd64", "linux/arm64/v8", "windows/amd64"}) {
            auto platform = moat::Platform::parse(wanted);
            require(platform.ok());
            if (auto chosen = moat::select_platform(*entries, *platform, where))
                require(moat::is_sha256_digest(chosen->digest) && chosen->platform_os == platform->os &&
                        chosen->platform_architecture == platform->architecture);
        }
    }

    if (auto manifest = moat::parse_manifest(text, where)) {
        require(moat::is_sha256_digest(manifest->config.digest));
        for (const auto& layer : manifest->layers) require(moat::is_sha256_digest(layer.digest));
    }

    auto config = nlohmann::json::parse(text, nullptr, false);
    (void)moat::config_diff_ids(config);

    // The --platform parser sees user text too.
    if (size <= 64) {
        if (auto platform = moat::Platform::parse(text))
            require(!platform->os.empty() && !platform->architecture.empty());
    }
    return 0;
}
