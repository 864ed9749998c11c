// The image's final filesystem, as far as analyzers asked to see it: layers applied in order
// (whiteouts and opaque directories delete from lower layers, later entries win), with every
// node remembering the layer that last wrote it. Symlinks resolve inside the image root.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "analyze/file_view.h"
#include "image/layer_walker.h"

namespace moat {

class MergedView : public FileView {
public:
    // Applies the next layer on top of what is here.
    void apply(std::string layer_digest, LayerCapture capture);

    // True when a node exists at exactly `path` (no symlink resolution).
    bool contains(std::string_view path) const { return nodes_.find(path) != nodes_.end(); }

    std::optional<FileContent> read(std::string_view path) const override;
    std::vector<FileContent> files_matching(
        const std::function<bool(std::string_view)>& match) const override;

    // `path` with every symlink in it resolved, or nullopt on a loop (or too many hops).
    std::optional<std::string> resolve(std::string_view path) const;

    const std::vector<std::string>& layer_digests() const { return layers_; }

private:
    struct Node {
        LayerNode entry;
        size_t layer = 0;
    };
    void erase_below(const std::string& directory);
    void erase_at_and_below(const std::string& path);

    std::map<std::string, Node, std::less<>> nodes_;
    std::vector<std::string> layers_;
};

}  // namespace moat
