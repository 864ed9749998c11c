#include "image/merged_view.h"

#include "image/path.h"

namespace moat {
namespace {
constexpr int kMaxSymlinkHops = 40;  // as Linux's MAXSYMLINKS
}

void MergedView::erase_below(const std::string& directory) {
    if (directory.empty()) {
        nodes_.clear();
        return;
    }
    std::string prefix = directory + "/";
    auto it = nodes_.lower_bound(prefix);
    while (it != nodes_.end() && it->first.compare(0, prefix.size(), prefix) == 0) it = nodes_.erase(it);
}

void MergedView::erase_at_and_below(const std::string& path) {
    nodes_.erase(path);
    erase_below(path);
}

void MergedView::apply(std::string layer_digest, LayerCapture capture) {
    size_t layer = layers_.size();
    layers_.push_back(std::move(layer_digest));
    // Whiteouts hide lower layers only, so they apply before this layer's own entries.
    for (const auto& directory : capture.opaque_dirs) erase_below(directory);
    for (const auto& path : capture.whiteouts) erase_at_and_below(path);
    for (auto& [path, entry] : capture.nodes) {
        if (entry.kind != EntryKind::Directory) erase_below(path);
        if (entry.kind == EntryKind::Hardlink) {
            // A hard link is the same file as its target: share the captured body.
            auto target = nodes_.find(entry.link_target);
            LayerNode linked;
            linked.kind = EntryKind::Regular;
            if (target != nodes_.end() && target->second.entry.kind == EntryKind::Regular)
                linked.body = target->second.entry.body;
            nodes_[path] = Node{std::move(linked), layer};
            continue;
        }
        nodes_[path] = Node{std::move(entry), layer};
    }
}

std::optional<std::string> MergedView::resolve(std::string_view path) const {
    auto normalized = normalize_image_path(path);
    if (!normalized) return std::nullopt;
    std::string current = *normalized;
    int hops = 0;
    // Walk the components left to right; a symlink prefix is replaced by its target and the
    // walk restarts, so links inside links resolve too.
    size_t checked = 0;
    while (checked <= current.size()) {
        size_t end = current.find('/', checked);
        if (end == std::string::npos) end = current.size();
        std::string_view prefix(current.data(), end);
        auto it = nodes_.find(prefix);
        if (it != nodes_.end() && it->second.entry.kind == EntryKind::Symlink) {
            if (++hops > kMaxSymlinkHops) return std::nullopt;
            std::string rest = end < current.size() ? current.substr(end) : std::string();
            current = resolve_link_target(prefix, it->second.entry.link_target) + rest;
            if (!current.empty() && current.front() == '/') current.erase(0, 1);
            checked = 0;
            continue;
        }
        checked = end + 1;
    }
    return current;
}

std::optional<FileContent> MergedView::read(std::string_view path) const {
    auto resolved = resolve(path);
    if (!resolved) return std::nullopt;
    auto it = nodes_.find(*resolved);
    if (it == nodes_.end() || it->second.entry.kind != EntryKind::Regular || !it->second.entry.body)
        return std::nullopt;
    return FileContent{it->first, layers_[it->second.layer], it->second.entry.body->bytes()};
}

std::vector<FileContent> MergedView::files_matching(
    const std::function<bool(std::string_view)>& match) const {
    std::vector<FileContent> out;
    for (const auto& [path, node] : nodes_)
        if (node.entry.kind == EntryKind::Regular && node.entry.body && match(path))
            out.push_back(FileContent{path, layers_[node.layer], node.entry.body->bytes()});
    return out;
}

}  // namespace moat
