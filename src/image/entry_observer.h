// Scanners that look at every entry of every layer as it streams past (secrets, malware,
// baseline checks), rather than at paths chosen in advance and read after the merge. They run
// in the walker's one pass, so file bodies are decompressed once for everyone.
#pragma once

#include <cstdint>
#include <string_view>

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
};

}  // namespace moat
