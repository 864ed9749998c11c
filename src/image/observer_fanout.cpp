#include "image/observer_fanout.h"

namespace moat {

bool DeletionTracker::deleted(std::string_view path, size_t layer) const {
    if (auto it = last_writer_.find(std::string(path)); it != last_writer_.end() && it->second > layer) return true;
    for (const auto& deletion : deletions_) {
        if (deletion.layer <= layer) continue;
        const std::string_view gone = deletion.path;
        if (path == gone && !deletion.everything_below) return true;
        // A whiteout of a directory, or an opaque directory, takes everything below it.
        if (path.size() > gone.size() && path.starts_with(gone) && path[gone.size()] == '/') return true;
    }
    return false;
}

void ObserverFanout::begin_layer(size_t index, std::string_view digest) {
    if (digests_.size() <= index) digests_.resize(index + 1);
    digests_[index] = std::string(digest);
    tracker_.begin_layer(index);
    written_.clear();
    deletions_.clear();
    for (auto* observer : observers_) observer->begin_layer(index, digest);
}

bool ObserverFanout::on_entry(const ObservedEntry& entry) {
    if (entry.kind != EntryKind::Directory) {
        tracker_.on_entry(entry.path);
        written_.emplace_back(entry.path);
    }
    reading_.clear();
    for (auto* observer : observers_)
        if (observer->on_entry(entry)) reading_.push_back(observer);
    return !reading_.empty();
}

void ObserverFanout::on_body_chunk(std::string_view bytes) {
    for (auto* observer : reading_) observer->on_body_chunk(bytes);
}

void ObserverFanout::on_body_end() {
    for (auto* observer : reading_) observer->on_body_end();
    reading_.clear();
}

void ObserverFanout::on_deletion(std::string_view path, bool everything_below) {
    tracker_.on_deletion(path, everything_below);
    deletions_.emplace_back(std::string(path), everything_below);
    for (auto* observer : observers_) observer->on_deletion(path, everything_below);
}

std::any ObserverFanout::save_layer(size_t index) const {
    SavedLayer saved{written_, deletions_, {}};
    for (auto* observer : observers_) saved.observers.push_back(observer->save_layer(index));
    return saved;
}

void ObserverFanout::restore_layer(size_t index, const std::any& saved) {
    const auto* layer = std::any_cast<SavedLayer>(&saved);
    if (!layer) return;
    for (const auto& path : layer->written) tracker_.on_entry(path);
    for (const auto& [path, below] : layer->deletions) tracker_.on_deletion(path, below);
    for (size_t i = 0; i < observers_.size() && i < layer->observers.size(); ++i)
        observers_[i]->restore_layer(index, layer->observers[i]);
}

}  // namespace moat
