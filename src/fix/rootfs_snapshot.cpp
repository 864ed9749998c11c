#include "fix/rootfs_snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "image/path.h"

namespace moat::fix {
namespace {

int64_t nanoseconds(const timespec& time) {
    return int64_t{time.tv_sec} * 1000000000 + time.tv_nsec;
}

// Depth is bounded by PATH_MAX on any real filesystem; the cap guards against surprises.
constexpr int kMaxDepth = 256;

Status walk(int dir_fd, const std::string& prefix, int depth, RootfsSnapshot& out,
            bool (*ignore)(const std::string&), const std::string& root) {
    if (depth > kMaxDepth)
        return Error{fmt::format("{}: directories nested too deeply at /{}", root, prefix)};
    int copy = ::openat(dir_fd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (copy < 0)
        return Error{fmt::format("{}: cannot list /{}: {}", root, prefix, std::strerror(errno))};
    DIR* listing = ::fdopendir(copy);
    if (!listing) {
        ::close(copy);
        return Error{fmt::format("{}: cannot list /{}: {}", root, prefix, std::strerror(errno))};
    }
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(listing)) {
        std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(listing);
    for (const auto& name : names) {
        std::string path = prefix.empty() ? name : prefix + "/" + name;
        if (ignore && ignore(path)) continue;
        struct stat st {};
        if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // raced away
        PathState state;
        state.mode = st.st_mode;
        state.uid = st.st_uid;
        state.gid = st.st_gid;
        state.size = S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
        state.mtime_ns = nanoseconds(st.st_mtim);
        state.ctime_ns = nanoseconds(st.st_ctim);
        state.inode = st.st_ino;
        state.links = st.st_nlink;
        state.rdev = st.st_rdev;
        if (S_ISLNK(st.st_mode)) {
            std::string target(4096, '\0');
            ssize_t length = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
            if (length >= 0)
                target.resize(static_cast<size_t>(length));
            else
                target.clear();
            state.link_target = std::move(target);
        }
        out.emplace(path, state);
        if (S_ISDIR(st.st_mode)) {
            int child =
                ::openat(dir_fd, name.c_str(), O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            if (child < 0)
                return Error{
                    fmt::format("{}: cannot open /{}: {}", root, path, std::strerror(errno))};
            Status walked = walk(child, path, depth + 1, out, ignore, root);
            ::close(child);
            if (!walked.ok()) return walked;
        }
    }
    return Status::Ok();
}

bool same_type(const PathState& a, const PathState& b) {
    return (a.mode & S_IFMT) == (b.mode & S_IFMT);
}

bool changed(const PathState& before, const PathState& after) {
    if (!same_type(before, after) || before.mode != after.mode || before.uid != after.uid ||
        before.gid != after.gid)
        return true;
    if (S_ISDIR(after.mode)) return false;
    return before.size != after.size || before.mtime_ns != after.mtime_ns ||
           before.ctime_ns != after.ctime_ns || before.inode != after.inode ||
           before.link_target != after.link_target || before.rdev != after.rdev;
}

}  // namespace

Result<RootfsSnapshot> take_snapshot(const std::filesystem::path& root,
                                     bool (*ignore)(const std::string&)) {
    int fd = ::open(root.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error{fmt::format("{}: cannot open: {}", root.string(), std::strerror(errno))};
    RootfsSnapshot snapshot;
    Status walked = walk(fd, "", 0, snapshot, ignore, root.string());
    ::close(fd);
    if (!walked.ok()) return walked.error();
    return snapshot;
}

RootfsDiff diff_snapshots(const RootfsSnapshot& before, const RootfsSnapshot& after) {
    std::set<std::string> written;
    for (const auto& [path, state] : after) {
        auto old = before.find(path);
        if (old != before.end() && !changed(old->second, state)) continue;
        written.insert(path);
        // Parents go in too, so the layer carries their owner and mode.
        for (std::string_view parent = parent_path(path); !parent.empty();
             parent = parent_path(parent))
            if (!written.insert(std::string(parent)).second) break;
    }
    RootfsDiff diff;
    diff.written.assign(written.begin(), written.end());
    for (const auto& [path, state] : before) {
        if (after.count(path)) continue;
        // Only the top of a removed subtree needs a whiteout.
        std::string_view parent = parent_path(path);
        if (!parent.empty()) {
            auto kept = after.find(std::string(parent));
            if (kept == after.end() || !S_ISDIR(kept->second.mode)) continue;
        }
        diff.removed.push_back(path);
    }
    return diff;
}

bool is_transient_path(const std::string& path) {
    static const std::set<std::string, std::less<>> exact = {"tmp/moat-fix",
                                                             "var/log/dpkg.log",
                                                             "var/log/apt",
                                                             "var/cache/debconf/config.dat-old",
                                                             "var/cache/debconf/templates.dat-old",
                                                             "var/cache/ldconfig/aux-cache"};
    if (exact.count(path)) return true;
    if (path.starts_with("proc/") || path.starts_with("sys/") || path.starts_with("dev/pts/"))
        return true;
    if (path.starts_with("var/cache/apt/archives/") && path.ends_with(".deb")) return true;
    return false;
}

}  // namespace moat::fix
