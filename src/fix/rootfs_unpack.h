// Materialises an image's root filesystem: its layers applied in order into a fresh directory,
// whiteouts honoured, ownership and modes kept when running as root, nothing written outside.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "image/image.h"
#include "image/tar_stream.h"
#include "util/result.h"

namespace moat::fix {

struct UnpackReport {
    bool preserved_ownership = false;  // running as root: uid/gid and device nodes kept
    uint64_t entries = 0;
    uint64_t skipped_special = 0;  // device nodes, fifos, sockets not created
    std::vector<std::string> warnings;
};

// Applies every layer of `image` into `rootfs` (an existing, empty directory).
Result<UnpackReport> unpack_image(const ImageSource& image, const std::filesystem::path& rootfs);

// Applies one layer tar stream on top of what is in `rootfs`.
Status apply_layer(TarStream& stream, const std::filesystem::path& rootfs, UnpackReport& report);

}  // namespace moat::fix
