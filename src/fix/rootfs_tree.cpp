#include "fix/rootfs_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "image/path.h"

namespace moat::fix {
namespace {

// openat2(2) with RESOLVE_IN_ROOT: symlinks and ".." resolve as if `root` were "/", which is
// how the image's own programs see the tree.
int open_in_root(int root, const std::string& path, int flags) {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    const char* relative = path.empty() ? "." : path.c_str();
    return static_cast<int>(::syscall(SYS_openat2, root, relative, &how, sizeof how));
}

std::string errno_text() {
    return std::strerror(errno);
}

}  // namespace

DirFd::~DirFd() {
    if (fd_ >= 0) ::close(fd_);
}

DirFd& DirFd::operator=(DirFd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

Result<RootfsTree> RootfsTree::open(const std::filesystem::path& root) {
    int fd = ::open(root.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{fmt::format("{}: cannot open: {}", root.string(), errno_text())};
    RootfsTree tree;
    tree.root_ = root;
    tree.root_fd_ = DirFd(fd);
    return tree;
}

Result<DirFd> RootfsTree::open_dir(const std::string& path) const {
    int fd = open_in_root(root_fd_.get(), path, O_DIRECTORY | O_RDONLY);
    if (fd < 0)
        return Error{
            fmt::format("{}: cannot open directory /{}: {}", root_.string(), path, errno_text())};
    return DirFd(fd);
}

Result<DirFd> RootfsTree::open_parent(const std::string& path, bool create) const {
    std::string parent(parent_path(path));
    int fd = open_in_root(root_fd_.get(), parent, O_DIRECTORY | O_RDONLY);
    if (fd >= 0 || !create || errno != ENOENT) {
        if (fd < 0)
            return Error{fmt::format("{}: cannot open directory /{}: {}", root_.string(), parent,
                                     errno_text())};
        return DirFd(fd);
    }
    // Create the missing directories one component at a time, each resolved in the root.
    DirFd current(::dup(root_fd_.get()));
    size_t start = 0;
    while (start < parent.size()) {
        size_t slash = parent.find('/', start);
        std::string name =
            parent.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        start = slash == std::string::npos ? parent.size() : slash + 1;
        std::string so_far = parent.substr(0, start == parent.size() ? parent.size() : start - 1);
        int next = open_in_root(root_fd_.get(), so_far, O_DIRECTORY | O_RDONLY);
        if (next < 0 && errno == ENOENT) {
            if (::mkdirat(current.get(), name.c_str(), 0755) != 0 && errno != EEXIST)
                return Error{
                    fmt::format("{}: cannot create /{}: {}", root_.string(), so_far, errno_text())};
            next = open_in_root(root_fd_.get(), so_far, O_DIRECTORY | O_RDONLY);
        }
        if (next < 0)
            return Error{
                fmt::format("{}: cannot open /{}: {}", root_.string(), so_far, errno_text())};
        current = DirFd(next);
    }
    return current;
}

Status RootfsTree::remove_at(int dir, const std::string& name) const {
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return Status::Ok();
        return Error{fmt::format("{}: cannot stat {}: {}", root_.string(), name, errno_text())};
    }
    if (S_ISDIR(st.st_mode)) {
        int child = ::openat(dir, name.c_str(), O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (child < 0)
            return Error{fmt::format("{}: cannot open {}: {}", root_.string(), name, errno_text())};
        DirFd child_fd(child);
        if (Status cleared = clear_dir(child); !cleared.ok()) return cleared;
        if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0)
            return Error{
                fmt::format("{}: cannot remove {}: {}", root_.string(), name, errno_text())};
        return Status::Ok();
    }
    if (::unlinkat(dir, name.c_str(), 0) != 0 && errno != ENOENT)
        return Error{fmt::format("{}: cannot remove {}: {}", root_.string(), name, errno_text())};
    return Status::Ok();
}

Status RootfsTree::clear_dir(int dir) const {
    std::vector<std::string> names;
    {
        int copy = ::openat(dir, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (copy < 0)
            return Error{
                fmt::format("{}: cannot list a directory: {}", root_.string(), errno_text())};
        DIR* listing = ::fdopendir(copy);
        if (!listing) {
            ::close(copy);
            return Error{
                fmt::format("{}: cannot list a directory: {}", root_.string(), errno_text())};
        }
        while (dirent* entry = ::readdir(listing)) {
            std::string name = entry->d_name;
            if (name != "." && name != "..") names.push_back(std::move(name));
        }
        ::closedir(listing);
    }
    for (const auto& name : names)
        if (Status removed = remove_at(dir, name); !removed.ok()) return removed;
    return Status::Ok();
}

}  // namespace moat::fix
