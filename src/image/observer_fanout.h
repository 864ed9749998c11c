// Several EntryObservers behind one (the walker takes one), and the record of what later
// layers deleted or replaced, which every risk scanner needs to mark a finding `deleted`.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "image/entry_observer.h"

namespace moat {

// Whether a file a layer wrote is still in the final filesystem. Remembers, for every path
// written, the last layer that wrote it, and every deletion with its layer.
class DeletionTracker {
public:
    void begin_layer(size_t index) { layer_ = index; }
    void on_entry(std::string_view path) { last_writer_[std::string(path)] = layer_; }
    void on_deletion(std::string_view path, bool everything_below) {
        deletions_.push_back(Deletion{std::string(path), layer_, everything_below});
    }
    // True when a layer above `layer` deleted `path` (by a whiteout of it or of a directory
    // above it, or an opaque directory above it) or wrote something else at `path`.
    bool deleted(std::string_view path, size_t layer) const;

private:
    struct Deletion {
        std::string path;
        size_t layer;
        bool everything_below;
    };
    size_t layer_ = 0;
    std::unordered_map<std::string, size_t> last_writer_;
    std::vector<Deletion> deletions_;
};

class ObserverFanout : public EntryObserver {
public:
    void add(EntryObserver* observer) { observers_.push_back(observer); }
    const DeletionTracker& deletions() const { return tracker_; }
    // The digest of layer `index` as begin_layer announced it.
    std::string_view layer_digest(size_t index) const {
        return index < digests_.size() ? std::string_view(digests_[index]) : std::string_view();
    }

    void begin_layer(size_t index, std::string_view digest) override;
    bool on_entry(const ObservedEntry& entry) override;
    void on_body_chunk(std::string_view bytes) override;
    void on_body_end() override;
    void on_deletion(std::string_view path, bool everything_below) override;
    // The layer just walked (since the last begin_layer): what the deletion tracker and every
    // observer took from it; restore_layer replays that as layer `index` after begin_layer.
    std::any save_layer(size_t index) const override;
    void restore_layer(size_t index, const std::any& saved) override;

private:
    struct SavedLayer {
        std::vector<std::string> written;
        std::vector<std::pair<std::string, bool>> deletions;
        std::vector<std::any> observers;
    };
    std::vector<std::string> written_;                       // this layer's entries
    std::vector<std::pair<std::string, bool>> deletions_;    // this layer's deletions
    std::vector<EntryObserver*> observers_;
    std::vector<EntryObserver*> reading_;  // those that asked for the current body
    std::vector<std::string> digests_;
    DeletionTracker tracker_;
};

}  // namespace moat
