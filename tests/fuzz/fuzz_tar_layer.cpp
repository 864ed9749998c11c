// Fuzzes the one-pass layer pipeline: the input, split at "\n--moat-layer--\n" into up to four
// layers, each goes TarStream (plain, gzip or zstd, digest verified) → LayerWalker with an analyzer
// that wants every file → MergedView; then every path in the view is resolved and read. The
// view must never hand out a path outside the image root.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "image/digest.h"
#include "image/layer_walker.h"
#include "image/merged_view.h"
#include "image/path.h"
#include "image/path_matcher.h"
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

// In normal form: relative, no empty, "." or ".." component.
bool inside_root(std::string_view path) {
    if (path.empty()) return true;
    if (path.front() == '/' || path.back() == '/') return false;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view part = path.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = end + 1;
    }
    return true;
}

void require(bool condition) {
    if (!condition) std::abort();
}

const moat::PathMatcher& want_everything() {
    static const moat::PathMatcher matcher([] {
        moat::PathInterest interest;
        interest.suffixes = {""};  // every path ends with ""
        interest.max_bytes = 1 << 20;
        return std::vector<moat::PathInterest>{interest};
    }());
    return matcher;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    constexpr std::string_view kSeparator = "\n--moat-layer--\n";
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> layers;
    while (layers.size() < 3) {
        size_t at = input.find(kSeparator);
        if (at == std::string_view::npos) break;
        layers.push_back(input.substr(0, at));
        input.remove_prefix(at + kSeparator.size());
    }
    layers.push_back(input);

    moat::TarStreamLimits limits;
    limits.expansion_floor = 64ull << 20;  // refuse bombs sooner than in production: keeps runs fast
    moat::MergedView view;
    moat::LayerWalker walker(want_everything(), [&view](std::string_view path) { return view.contains(path); });
    for (size_t i = 0; i < layers.size(); ++i) {
        auto stream = moat::TarStream::open(std::make_unique<MemorySource>(layers[i]),
                                            moat::sha256_digest(layers[i]), limits);
        if (!stream) break;
        auto capture = walker.walk(**stream);
        if (!capture) break;
        for (const auto& [path, node] : capture->nodes) require(inside_root(path) && !path.empty());
        for (const auto& path : capture->whiteouts) require(moat::normalize_image_path(path).has_value());
        // The digest is the input's own, so a stream read to its end must verify.
        require((*stream)->finish().ok());
        view.apply("sha256:layer" + std::to_string(i), std::move(*capture));
    }

    std::vector<std::string> paths;
    for (const auto& file : view.files_matching([](std::string_view) { return true; })) {
        require(inside_root(file.path));
        paths.push_back(file.path);
    }
    for (std::string_view probe : {"etc/os-release", "usr/lib/os-release", "var/lib/dpkg/status", "lib/apk/db/installed"})
        paths.emplace_back(probe);
    for (const auto& path : paths) {
        if (auto resolved = view.resolve(path)) require(inside_root(*resolved));
        if (auto content = view.read(path)) require(inside_root(content->path));
    }
    return 0;
}
