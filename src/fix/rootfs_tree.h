// Safe writes into a root filesystem being assembled on disk: every path is resolved inside the
// root (symlinks followed as a chroot would, never out of it), and the last component is
// never followed, so hostile layers cannot write outside the rootfs.
#pragma once

#include <filesystem>
#include <string>

#include "util/result.h"

namespace moat::fix {

// An open directory file descriptor, closed on destruction.
class DirFd {
  public:
    DirFd() = default;
    explicit DirFd(int fd) : fd_(fd) {}
    ~DirFd();
    DirFd(DirFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    DirFd& operator=(DirFd&& other) noexcept;
    DirFd(const DirFd&) = delete;
    DirFd& operator=(const DirFd&) = delete;
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }

  private:
    int fd_ = -1;
};

class RootfsTree {
  public:
    static Result<RootfsTree> open(const std::filesystem::path& root);

    const std::filesystem::path& root() const { return root_; }
    int root_fd() const { return root_fd_.get(); }

    // The directory holding `path` (normalised, relative to the root), resolved in the root;
    // missing directories are created (mode 0755) when `create` is set.
    Result<DirFd> open_parent(const std::string& path, bool create) const;
    // A directory inside the root, resolved in the root.
    Result<DirFd> open_dir(const std::string& path) const;
    // Removes whatever is at `name` in `dir` (a directory with all its contents), never
    // following symlinks. Missing is fine.
    Status remove_at(int dir, const std::string& name) const;
    // Removes everything inside directory `dir`.
    Status clear_dir(int dir) const;

  private:
    std::filesystem::path root_;
    DirFd root_fd_;
};

}  // namespace moat::fix
