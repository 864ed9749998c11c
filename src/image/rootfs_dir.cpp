// dir:PATH — an unpacked root filesystem, scanned as a single layer with no digest.
#include <filesystem>

#include <fmt/format.h>

#include "image/image.h"

namespace moat {
namespace {

class RootfsDirSource : public ImageSource {
public:
    RootfsDirSource(std::filesystem::path root, std::string ref) : root_(std::move(root)) {
        metadata_.ref = std::move(ref);
    }
    const ImageMetadata& metadata() const override { return metadata_; }
    Result<std::unique_ptr<ByteSource>> open_layer(size_t) const override {
        return Error{metadata_.ref + ": a directory has no layer streams"};
    }
    std::string expected_layer_digest(size_t) const override { return {}; }
    std::optional<std::filesystem::path> rootfs() const override { return root_; }

private:
    std::filesystem::path root_;
    ImageMetadata metadata_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> open_rootfs_dir(const std::string& ref, const std::string& spec) {
    if (spec.empty()) return Error{fmt::format("{}: no directory given", ref)};
    std::error_code error;
    if (!std::filesystem::is_directory(spec, error))
        return Error{fmt::format("{}: {} is not a directory", ref, spec)};
    return std::unique_ptr<ImageSource>(new RootfsDirSource(spec, ref));
}

}  // namespace moat
