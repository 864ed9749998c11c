// What a root filesystem looks like at one moment (per path: type, mode, owner, size, times,
// inode, link target), and the difference between two such moments: what `moat fix` puts in
// its one new layer.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "util/result.h"

namespace moat::fix {

struct PathState {
    mode_t mode = 0;  // type and permission bits, as lstat says
    uid_t uid = 0;
    gid_t gid = 0;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    ino_t inode = 0;
    nlink_t links = 0;
    dev_t rdev = 0;
    std::string link_target;  // symlinks
};

// Relative path (no leading '/') -> state; the root itself is not listed.
using RootfsSnapshot = std::map<std::string, PathState>;

// Walks `root` without following symlinks. Paths for which `ignore(path)` is true are left out
// (and not descended into).
Result<RootfsSnapshot> take_snapshot(const std::filesystem::path& root,
                                     bool (*ignore)(const std::string& path) = nullptr);

struct RootfsDiff {
    // New or changed paths, with the parent directories they need, in layer order (parents
    // first, sorted). Each carries its state in `after`.
    std::vector<std::string> written;
    // Removed paths: only the topmost of each removed subtree, sorted.
    std::vector<std::string> removed;
};

// Paths whose content or metadata changed. A directory counts as changed only for its own
// type, mode or owner, not because its entries changed (those appear themselves).
RootfsDiff diff_snapshots(const RootfsSnapshot& before, const RootfsSnapshot& after);

// Paths `moat fix` creates for itself or that hold no state worth shipping (copied packages,
// /proc, dpkg's log): left out of snapshots.
bool is_transient_path(const std::string& path);

}  // namespace moat::fix
