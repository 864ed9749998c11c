#include "scanner/layer_cache.h"

#include "image/digest.h"

namespace moat {

std::string next_chain_id(const std::string& parent, const std::string& layer_digest) {
    return sha256_digest(parent + " " + layer_digest);
}

size_t approximate_bytes(const LayerCapture& capture) {
    size_t bytes = sizeof(LayerCapture);
    for (const auto& [path, node] : capture.nodes) {
        bytes += path.size() + node.link_target.size() + sizeof(LayerNode) + 32;
        if (node.body) bytes += node.body->bytes().size();
    }
    for (const auto& [path, target] : capture.symlinks) bytes += path.size() + target.size() + 64;
    for (const auto& text : capture.whiteouts) bytes += text.size() + 32;
    for (const auto& text : capture.opaque_dirs) bytes += text.size() + 32;
    for (const auto& text : capture.warnings) bytes += text.size() + 32;
    // The observers' records: every entry's path once, and the findings (small).
    bytes += capture.entries * 64;
    return bytes;
}

std::shared_ptr<const CachedLayer> LayerCache::find(const std::string& chain_id) {
    std::lock_guard lock(mutex_);
    auto found = slots_.find(chain_id);
    if (found == slots_.end()) {
        ++misses_;
        return nullptr;
    }
    ++hits_;
    order_.splice(order_.begin(), order_, found->second.position);
    return found->second.layer;
}

void LayerCache::store(const std::string& chain_id, std::shared_ptr<const CachedLayer> layer) {
    if (!layer || layer->bytes > max_bytes_) return;
    std::lock_guard lock(mutex_);
    if (auto existing = slots_.find(chain_id); existing != slots_.end()) {
        bytes_ -= existing->second.layer->bytes;
        order_.erase(existing->second.position);
        slots_.erase(existing);
    }
    while (bytes_ + layer->bytes > max_bytes_ && !order_.empty()) {
        auto victim = slots_.find(order_.back());
        bytes_ -= victim->second.layer->bytes;
        slots_.erase(victim);
        order_.pop_back();
    }
    order_.push_front(chain_id);
    bytes_ += layer->bytes;
    slots_.emplace(chain_id, Slot{std::move(layer), order_.begin()});
}

uint64_t LayerCache::hits() const {
    std::lock_guard lock(mutex_);
    return hits_;
}

uint64_t LayerCache::misses() const {
    std::lock_guard lock(mutex_);
    return misses_;
}

size_t LayerCache::bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
}

}  // namespace moat
