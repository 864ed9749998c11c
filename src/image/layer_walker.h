// The one pass over a layer: every entry is normalised, whiteouts and links are recorded, and
// the bodies of files an analyzer asked for are captured. Nothing is written to disk except
// spilled bodies in the private temp dir.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "image/entry_observer.h"
#include "image/file_body.h"
#include "image/path_matcher.h"
#include "image/tar_stream.h"
#include "util/result.h"

namespace moat {

struct LayerNode {
    EntryKind kind = EntryKind::Other;
    std::string link_target;  // symlink: as stored; hard link: normalised path in the image
    std::shared_ptr<const FileBody> body;  // captured regular files only
};

struct LayerCapture {
    std::vector<std::string> whiteouts;    // paths this layer deletes from lower layers
    std::vector<std::string> opaque_dirs;  // directories whose lower contents this layer hides
    std::vector<std::pair<std::string, LayerNode>> nodes;  // in archive order
    std::vector<std::string> warnings;
    uint64_t entries = 0;
    // Hard links an analyzer wants whose target's body this pass did not keep (tar stores the
    // body under the first name, which nobody asked for): read in a second, targeted pass.
    std::vector<std::string> missing_link_targets;
    // Every symlink of the layer (path, target as stored), captured or not: what upper layers'
    // walks need from this one when it is replayed from a cache instead of walked.
    std::vector<std::pair<std::string, std::string>> symlinks;
};

class LayerWalker {
public:
    // `shadows(path)`: true when a lower layer left something at `path` that an entry here must
    // replace in the merged view, so the entry is recorded even if no analyzer wants it.
    LayerWalker(const PathMatcher& matcher, std::function<bool(std::string_view)> shadows)
        : matcher_(matcher), shadows_(std::move(shadows)) {}

    // Every entry (and the body of each regular file it asks for) is shown to `observer` too.
    void set_observer(EntryObserver* observer) { observer_ = observer; }

    Result<LayerCapture> walk(TarStream& stream) const;
    // A layer's capture taken from a cache instead of a walk: its symlinks become known, as
    // walk() would have left them, for the layers above.
    void replay_links(const LayerCapture& capture) const;
    // dir: sources: the tree under `root`, never following symlinks.
    Result<LayerCapture> walk_directory(const std::filesystem::path& root,
                                        const std::string& description) const;

private:
    // The body limit for `path`, asked directly or through a symlink seen so far that points at
    // it or at one of its directories ("etc -> usr/etc" makes usr/etc/os-release wanted).
    std::optional<uint64_t> wanted(std::string_view path) const;
    // Whether a file of this size may be captured as an executable ELF (see PathInterest).
    bool elf_candidate(uint64_t size) const;
    void remember_link(const std::string& path, const std::string& raw_target) const;
    // dir: sources: streams one file's body to the observer.
    void observe_file(const std::filesystem::path& file, const std::string& description,
                      std::vector<std::string>& warnings) const;

    const PathMatcher& matcher_;
    std::function<bool(std::string_view)> shadows_;
    EntryObserver* observer_ = nullptr;
    // Resolved symlink target -> the link paths naming it, over all layers walked so far.
    mutable std::unordered_map<std::string, std::vector<std::string>> links_to_;
};

}  // namespace moat
