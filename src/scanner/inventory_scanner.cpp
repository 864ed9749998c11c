#include "scanner/inventory_scanner.h"

#include <algorithm>
#include <unordered_set>

#include "analyze/os/os_detector.h"
#include "image/merged_view.h"
#include "image/path_matcher.h"

namespace moat {
namespace {

bool is_os_package(const Package& package) {
    return package.type == "deb" || package.type == "apk" || package.type == "rpm";
}

// Whether `path`, or an archive it sits inside ("app.war/WEB-INF/lib/x.jar"), is a file an OS
// package installed.
bool owned_by(const std::unordered_set<std::string_view>& owned, std::string_view path) {
    for (size_t end = path.find('/'); ; end = path.find('/', end + 1)) {
        if (owned.count(path.substr(0, end))) return true;
        if (end == std::string_view::npos) return false;
    }
}

// Language packages the distribution installed (python3-yaml's dist-info, a Debian-packaged
// jar) are the OS package's business: its vendor's advisories judge them, and reporting them
// again as pypi/maven packages would double every finding.
void drop_os_owned_language_packages(std::vector<Package>& packages) {
    std::unordered_set<std::string_view> owned;
    for (const auto& package : packages)
        if (is_os_package(package))
            for (const auto& file : package.installed_files) owned.insert(file);
    if (owned.empty()) return;
    std::erase_if(packages, [&](const Package& package) {
        return !is_os_package(package) && !package.path.empty() && owned_by(owned, package.path);
    });
}

}  // namespace

// The rare second pass over a layer: a wanted hard link whose body tar stored under a name no
// analyzer asked for. Only those targets are kept, and they go first so the links find them.
Status InventoryScanner::read_link_targets(const ImageSource& source, size_t index, LayerCapture& capture) const {
    PathInterest targets;
    targets.exact = capture.missing_link_targets;
    PathMatcher matcher({targets});
    LayerWalker walker(matcher, [](std::string_view) { return false; });
    auto bytes = source.open_layer(index);
    if (!bytes) return bytes.error();
    auto stream = TarStream::open(std::move(*bytes), source.expected_layer_digest(index), limits_);
    if (!stream) return stream.error();
    auto bodies = walker.walk(**stream);
    if (!bodies) return bodies.error();
    if (Status verified = (*stream)->finish(); !verified.ok()) return verified;
    std::erase_if(bodies->nodes, [](const auto& node) { return node.second.kind != EntryKind::Regular; });
    capture.nodes.insert(capture.nodes.begin(), std::make_move_iterator(bodies->nodes.begin()),
                         std::make_move_iterator(bodies->nodes.end()));
    return Status::Ok();
}

InventoryScanner::InventoryScanner(std::vector<std::unique_ptr<PackageAnalyzer>> analyzers)
    : analyzers_(std::move(analyzers)) {}
InventoryScanner::~InventoryScanner() = default;

Result<ImageInventory> InventoryScanner::scan(const ImageSource& source) const {
    ImageInventory inventory;
    inventory.image = source.metadata();

    std::vector<PathInterest> interests{OsDetector::interest()};
    for (const auto& analyzer : analyzers_) interests.push_back(analyzer->interest());
    for (const auto& check : merged_checks_) interests.push_back(check.first);
    PathMatcher matcher(interests);
    MergedView view;
    LayerWalker walker(matcher, [&view](std::string_view path) { return view.contains(path); });
    walker.set_observer(observer_);

    if (auto root = source.rootfs()) {
        if (observer_) observer_->begin_layer(0, "");
        auto capture = walker.walk_directory(*root, inventory.image.ref);
        if (!capture) return capture.error();
        inventory.warnings.insert(inventory.warnings.end(), capture->warnings.begin(),
                                  capture->warnings.end());
        view.apply("", std::move(*capture));
    } else {
        const auto& layers = inventory.image.layers;
        std::string chain;
        for (size_t i = 0; i < layers.size(); ++i) {
            chain = next_chain_id(chain, source.expected_layer_digest(i));
            if (auto cached = cache_ ? cache_->find(chain) : nullptr) {
                if (observer_) {
                    observer_->begin_layer(i, layers[i].digest);
                    observer_->restore_layer(i, cached->observed);
                }
                walker.replay_links(cached->capture);
                inventory.warnings.insert(inventory.warnings.end(), cached->capture.warnings.begin(),
                                          cached->capture.warnings.end());
                view.apply(layers[i].digest, LayerCapture(cached->capture));
                continue;
            }
            if (on_layer_) on_layer_(LayerProgress{i, layers.size(), layers[i].digest});
            if (observer_) observer_->begin_layer(i, layers[i].digest);
            auto bytes = source.open_layer(i);
            if (!bytes) return bytes.error();
            auto stream = TarStream::open(std::move(*bytes), source.expected_layer_digest(i), limits_);
            if (!stream) return stream.error();
            auto capture = walker.walk(**stream);
            if (!capture) return capture.error();
            // Nothing from a layer counts until its digest is verified.
            if (Status verified = (*stream)->finish(); !verified.ok()) return verified.error();
            if (!capture->missing_link_targets.empty())
                if (Status read = read_link_targets(source, i, *capture); !read.ok()) return read.error();
            inventory.warnings.insert(inventory.warnings.end(), capture->warnings.begin(),
                                      capture->warnings.end());
            if (cache_) {
                auto entry = std::make_shared<CachedLayer>();
                entry->capture = *capture;
                entry->observed = observer_ ? observer_->save_layer(i) : std::any();
                entry->bytes = approximate_bytes(entry->capture);
                cache_->store(chain, std::move(entry));
            }
            view.apply(layers[i].digest, std::move(*capture));
        }
    }

    inventory.os = OsDetector().detect(view);
    AnalysisContext context{inventory.os ? &*inventory.os : nullptr};
    for (const auto& analyzer : analyzers_) {
        auto found = analyzer->analyze(view, context, inventory.warnings);
        std::move(found.begin(), found.end(), std::back_inserter(inventory.packages));
    }
    drop_os_owned_language_packages(inventory.packages);
    for (const auto& check : merged_checks_) check.second(view, inventory);
    return inventory;
}

}  // namespace moat
