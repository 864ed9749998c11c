// Layer analyses kept by ChainID, so a layer shared by many images is read once (the registry's
// scan workers share one cache). A layer's capture depends on the layers below it (their
// symlinks decide which paths are wanted, their files which entries must be recorded), so the
// key is the chain of layer digests up to and including it, never the layer digest alone.
// One cache serves one scanner configuration (analyzers and risk observers): entries hold what
// that configuration took from the layer. Bounded by approximate bytes, least recently used
// first out; thread-safe.
#pragma once

#include <any>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "image/layer_walker.h"

namespace moat {

struct CachedLayer {
    LayerCapture capture;  // after the hard-link pass
    std::any observed;     // EntryObserver::save_layer of the walk's observer
    size_t bytes = 0;      // approximate memory held
};

// sha256 of "<parent chain id> <layer digest>" ("" for the bottom layer's parent).
std::string next_chain_id(const std::string& parent, const std::string& layer_digest);

// What a capture holds in memory, roughly: paths, targets, captured bodies.
size_t approximate_bytes(const LayerCapture& capture);

class LayerCache {
public:
    explicit LayerCache(size_t max_bytes) : max_bytes_(max_bytes) {}

    std::shared_ptr<const CachedLayer> find(const std::string& chain_id);
    void store(const std::string& chain_id, std::shared_ptr<const CachedLayer> layer);

    uint64_t hits() const;
    uint64_t misses() const;
    size_t bytes() const;

private:
    using Order = std::list<std::string>;  // most recently used first
    struct Slot {
        std::shared_ptr<const CachedLayer> layer;
        Order::iterator position;
    };
    size_t max_bytes_;
    mutable std::mutex mutex_;
    Order order_;
    std::unordered_map<std::string, Slot> slots_;
    size_t bytes_ = 0;
    uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace moat
