// Composes image reading and analysis into an inventory: each layer is walked once, the
// captures are merged, then the OS is detected and every package analyzer reads the view.
// Used by the CLI and, later, by the registry's scan workers.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analyze/analyzer.h"
#include "image/image.h"
#include "image/layer_walker.h"
#include "image/tar_stream.h"
#include "inventory/package.h"
#include "scanner/layer_cache.h"

namespace moat {

struct ImageInventory {
    ImageMetadata image;
    std::optional<OsInfo> os;
    std::vector<Package> packages;
    std::vector<std::string> warnings;
};

struct LayerProgress {
    size_t index = 0, count = 0;
    std::string digest;
};

class InventoryScanner {
public:
    explicit InventoryScanner(std::vector<std::unique_ptr<PackageAnalyzer>> analyzers);
    ~InventoryScanner();

    void set_limits(TarStreamLimits limits) { limits_ = limits; }
    void on_layer(std::function<void(const LayerProgress&)> callback) { on_layer_ = std::move(callback); }
    // Shows every entry of every layer to `observer` during the walk (secrets, malware, baseline).
    void observe(EntryObserver* observer) { observer_ = observer; }
    // After the merge and the package analyzers, `check` reads the files `interest` asked for
    // (baseline checks of account and sshd files).
    using MergedCheck = std::function<void(const FileView& files, const ImageInventory& inventory)>;
    void after_merge(PathInterest interest, MergedCheck check) {
        merged_checks_.emplace_back(std::move(interest), std::move(check));
    }

    // Layers found in `cache` (by ChainID) are not read: their capture and what the observer
    // took from them are replayed. The cache must only ever serve this scanner's configuration.
    void use_layer_cache(LayerCache* cache) { cache_ = cache; }

    Result<ImageInventory> scan(const ImageSource& source) const;

private:
    Status read_link_targets(const ImageSource& source, size_t index, LayerCapture& capture) const;

    std::vector<std::unique_ptr<PackageAnalyzer>> analyzers_;
    TarStreamLimits limits_;
    std::function<void(const LayerProgress&)> on_layer_;
    EntryObserver* observer_ = nullptr;
    std::vector<std::pair<PathInterest, MergedCheck>> merged_checks_;
    LayerCache* cache_ = nullptr;
};

// The analyzers moat runs by default: dpkg, apk, rpm.
std::vector<std::unique_ptr<PackageAnalyzer>> default_package_analyzers();

}  // namespace moat
