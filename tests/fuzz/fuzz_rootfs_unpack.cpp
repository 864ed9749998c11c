// Fuzzes unpacking layers into a root filesystem on disk (fix/rootfs_unpack): the input, split at
// "\n--moat-layer--\n" into up to three layers, is applied in order into box/root. Whatever the
// layers hold (".." paths, symlinks out, hard links out, whiteouts of the root's parent), nothing
// may appear in box beside root.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fix/rootfs_unpack.h"
#include "image/tar_stream.h"

namespace {

class MemorySource : public moat::ByteSource {
  public:
    explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
    moat::Result<size_t> read(void* buffer, size_t size) override {
        size_t take = std::min(size, bytes_.size() - offset_);
        std::copy_n(bytes_.data() + offset_, take, static_cast<char*>(buffer));
        offset_ += take;
        return take;
    }
    const std::string& description() const override { return description_; }

  private:
    std::string_view bytes_;
    size_t offset_ = 0;
    std::string description_ = "fuzz layer";
};

void require(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace fs = std::filesystem;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> layers;
    constexpr std::string_view kSeparator = "\n--moat-layer--\n";
    while (layers.size() < 2) {
        size_t at = input.find(kSeparator);
        if (at == std::string_view::npos) break;
        layers.push_back(input.substr(0, at));
        input.remove_prefix(at + kSeparator.size());
    }
    layers.push_back(input);

    std::string pattern = (fs::temp_directory_path() / "moat-fuzz-unpack.XXXXXX").string();
    if (!::mkdtemp(pattern.data())) return 0;
    fs::path box = pattern, root = box / "root";
    fs::create_directory(root);
    moat::fix::UnpackReport report;
    for (auto layer : layers) {
        // Small limits: a fuzz input must not fill the disk.
        moat::TarStreamLimits limits;
        limits.expansion_floor = 1 << 20;
        auto stream = moat::TarStream::open(std::make_unique<MemorySource>(layer), "", limits);
        if (!stream) break;
        if (!moat::fix::apply_layer(**stream, root, report).ok()) break;
    }
    std::error_code error;
    size_t beside = 0;
    for (const auto& entry : fs::directory_iterator(box, error))
        if (entry.path().filename() != "root") ++beside;
    // Directories the layers left without write permission must not stop the clean-up.
    for (auto it = fs::recursive_directory_iterator(root, error);
         it != fs::recursive_directory_iterator(); it.increment(error))
        if (it->is_directory(error) && !it->is_symlink(error))
            fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, error);
    fs::remove_all(box, error);
    require(beside == 0);
    return 0;
}
