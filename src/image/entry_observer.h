// Scanners that look at every entry of every layer as it streams past (secrets, malware,
// baseline checks), rather than at paths chosen in advance and read after the merge. They run
// in the walker's one pass, so file bodies are decompressed once for everyone.
#pragma once

#include <any>
#include <cstdint>
#include <string_view>
#include <vector>

#include "image/tar_stream.h"

namespace moat {

struct ObservedEntry {
    std::string_view path;  // normalised, relative to the image root
    EntryKind kind = EntryKind::Other;
    uint32_t mode = 0;  // permission bits, setuid/setgid/sticky included
    uint64_t size = 0;
    std::string_view link_target;  // symlinks and hard links, as stored
};

class EntryObserver {
public:
    virtual ~EntryObserver() = default;
    // A layer starts: the entries that follow are its own. `digest` is the layer's blob digest
    // ("" for dir: sources).
    virtual void begin_layer(size_t index, std::string_view digest) = 0;
    // Every entry but whiteouts. For a regular file, true asks for its body: on_body_chunk is then
    // called with consecutive pieces, and on_body_end once the body is complete.
    virtual bool on_entry(const ObservedEntry& entry) = 0;
    virtual void on_body_chunk(std::string_view bytes) = 0;
    virtual void on_body_end() = 0;
    // The layer deletes `path` from lower layers (a whiteout), or everything below it (opaque).
    virtual void on_deletion(std::string_view path, bool everything_below) = 0;
    // What this observer found in layer `index`, kept so that the same layer in another image
    // (the registry's layer cache) is not read again; restore_layer adds it back as layer
    // `index` of the image being scanned, after begin_layer. Observers that keep nothing per
    // layer need neither.
    virtual std::any save_layer(size_t /*index*/) const { return {}; }
    virtual void restore_layer(size_t /*index*/, const std::any& /*saved*/) {}
};

// save_layer/restore_layer for observers that keep findings as {finding, layer_index} lists.
template <typename Located>
std::any save_located(const std::vector<Located>& all, size_t index) {
    std::vector<Located> mine;
    for (const auto& located : all)
        if (located.layer_index == index) mine.push_back(located);
    return mine;
}
template <typename Located>
void restore_located(std::vector<Located>& all, size_t index, const std::any& saved) {
    if (const auto* list = std::any_cast<std::vector<Located>>(&saved))
        for (Located located : *list) {
            located.layer_index = index;
            all.push_back(std::move(located));
        }
}

}  // namespace moat
