#include "fix/rootfs_unpack.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "fix/rootfs_tree.h"
#include "image/path.h"

namespace moat::fix {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

std::string errno_text() {
    return std::strerror(errno);
}

timespec to_timespec(int64_t seconds) {
    timespec time{};
    time.tv_sec = static_cast<time_t>(seconds);
    return time;
}

struct DirTimes {
    std::string path;
    int64_t mtime;
};

class LayerApplier {
  public:
    LayerApplier(const RootfsTree& tree, UnpackReport& report)
        : tree_(tree), report_(report), as_root_(::geteuid() == 0) {}

    Status apply(TarStream& stream) {
        for (;;) {
            auto next = stream.next();
            if (!next) return next.error();
            if (!*next) break;
            ++report_.entries;
            if (Status status = apply_entry(stream, **next); !status.ok()) return status;
        }
        if (Status finished = stream.finish(); !finished.ok()) return finished;
        // Directory times last: writing their children changed them.
        std::sort(dir_times_.begin(), dir_times_.end(), [](const DirTimes& a, const DirTimes& b) {
            return a.path.size() > b.path.size();
        });
        for (const auto& dir : dir_times_) {
            auto parent = tree_.open_parent(dir.path, false);
            if (!parent) continue;
            timespec times[2] = {to_timespec(dir.mtime), to_timespec(dir.mtime)};
            ::utimensat(parent->get(), std::string(base_name(dir.path)).c_str(), times,
                        AT_SYMLINK_NOFOLLOW);
        }
        return Status::Ok();
    }

  private:
    Status fail(const TarEntry& entry, const std::string& what) {
        return Error{fmt::format("{}: {}: {}", stream_description_, entry.raw_path, what)};
    }

    Status apply_entry(TarStream& stream, const TarEntry& entry) {
        stream_description_ = stream.description();
        auto normalized = normalize_image_path(entry.raw_path);
        if (!normalized) return fail(entry, "path climbs above the image root");
        const std::string& path = *normalized;
        if (path.empty()) return Status::Ok();  // the root itself
        std::string name(base_name(path));
        auto parent = tree_.open_parent(path, true);
        if (!parent) return parent.error();
        int dir = parent->get();

        if (name == kOpaqueMarker) {
            // Hide what lower layers put in this directory, keeping what this layer wrote.
            std::string dir_path(parent_path(path));
            return clear_lower(dir, dir_path);
        }
        if (name.starts_with(kWhiteoutPrefix)) {
            std::string hidden = name.substr(kWhiteoutPrefix.size());
            if (hidden.empty() || hidden == "." || hidden == "..") return Status::Ok();
            return tree_.remove_at(dir, hidden);
        }
        written_.insert(path);

        struct stat existing {};
        bool exists = ::fstatat(dir, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
        if (entry.kind == EntryKind::Directory) {
            if (exists && !S_ISDIR(existing.st_mode)) {
                if (Status removed = tree_.remove_at(dir, name); !removed.ok()) return removed;
                exists = false;
            }
            if (!exists && ::mkdirat(dir, name.c_str(), 0700) != 0)
                return fail(entry, "cannot create: " + errno_text());
            set_owner_mode(dir, name, entry, true);
            dir_times_.push_back({path, entry.mtime});
            return Status::Ok();
        }
        if (exists)
            if (Status removed = tree_.remove_at(dir, name); !removed.ok()) return removed;

        switch (entry.kind) {
            case EntryKind::Regular: {
                int fd = ::openat(dir, name.c_str(),
                                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0) return fail(entry, "cannot create: " + errno_text());
                bool write_failed = false;
                Status read = stream.read_body_chunks([&](const char* data, size_t size) {
                    while (size > 0 && !write_failed) {
                        ssize_t written = ::write(fd, data, size);
                        if (written <= 0) {
                            write_failed = true;
                            break;
                        }
                        data += written;
                        size -= static_cast<size_t>(written);
                    }
                });
                if (as_root_)
                    ::fchown(fd, static_cast<uid_t>(entry.uid), static_cast<gid_t>(entry.gid));
                ::fchmod(fd, entry.mode & 07777);
                timespec times[2] = {to_timespec(entry.mtime), to_timespec(entry.mtime)};
                ::futimens(fd, times);
                ::close(fd);
                if (!read.ok()) return read;
                if (write_failed) return fail(entry, "cannot write: " + errno_text());
                return Status::Ok();
            }
            case EntryKind::Symlink: {
                if (::symlinkat(entry.link_target.c_str(), dir, name.c_str()) != 0)
                    return fail(entry, "cannot create symlink: " + errno_text());
                if (as_root_)
                    ::fchownat(dir, name.c_str(), static_cast<uid_t>(entry.uid),
                               static_cast<gid_t>(entry.gid), AT_SYMLINK_NOFOLLOW);
                timespec times[2] = {to_timespec(entry.mtime), to_timespec(entry.mtime)};
                ::utimensat(dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
                return Status::Ok();
            }
            case EntryKind::Hardlink: {
                auto target = normalize_image_path(entry.link_target);
                if (!target || target->empty())
                    return fail(entry, "hard link target climbs above the image root");
                auto target_dir = tree_.open_parent(*target, false);
                if (!target_dir) return fail(entry, "hard link target /" + *target + " is missing");
                std::string target_name(base_name(*target));
                // No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself.
                if (::linkat(target_dir->get(), target_name.c_str(), dir, name.c_str(), 0) != 0)
                    return fail(entry, "cannot link to /" + *target + ": " + errno_text());
                return Status::Ok();
            }
            case EntryKind::Other:
                return make_special(dir, name, entry);
            case EntryKind::Directory:
                break;
        }
        return Status::Ok();
    }

    Status make_special(int dir, const std::string& name, const TarEntry& entry) {
        mode_t type = 0;
        switch (entry.special) {
            case SpecialKind::CharDevice:
                type = S_IFCHR;
                break;
            case SpecialKind::BlockDevice:
                type = S_IFBLK;
                break;
            case SpecialKind::Fifo:
                type = S_IFIFO;
                break;
            default:
                break;
        }
        bool device = type == S_IFCHR || type == S_IFBLK;
        if (type == 0 || (device && !as_root_)) {
            ++report_.skipped_special;
            return Status::Ok();
        }
        dev_t rdev = device ? makedev(entry.rdev_major, entry.rdev_minor) : 0;
        if (::mknodat(dir, name.c_str(), type | (entry.mode & 07777), rdev) != 0) {
            ++report_.skipped_special;  // e.g. inside a user namespace without CAP_MKNOD
            return Status::Ok();
        }
        set_owner_mode(dir, name, entry, false);
        return Status::Ok();
    }

    void set_owner_mode(int dir, const std::string& name, const TarEntry& entry, bool directory) {
        if (as_root_)
            ::fchownat(dir, name.c_str(), static_cast<uid_t>(entry.uid),
                       static_cast<gid_t>(entry.gid), AT_SYMLINK_NOFOLLOW);
        // Without root, keep directories writable by us so later layers can fill them.
        uint32_t mode = entry.mode & 07777;
        if (directory && !as_root_) mode |= 0700;
        ::fchmodat(dir, name.c_str(), mode, 0);
    }

    Status clear_lower(int dir, const std::string& dir_path) {
        std::string prefix = dir_path.empty() ? "" : dir_path + "/";
        std::vector<std::string> names;
        {
            int copy = ::dup(dir);
            DIR* handle = ::fdopendir(copy);
            if (!handle) {
                ::close(copy);
                return Error{fmt::format("{}: cannot list /{}", stream_description_, dir_path)};
            }
            while (dirent* child = ::readdir(handle)) {
                std::string name = child->d_name;
                if (name != "." && name != ".." && !written_.count(prefix + name))
                    names.push_back(name);
            }
            ::closedir(handle);
        }
        for (const auto& name : names)
            if (Status removed = tree_.remove_at(dir, name); !removed.ok()) return removed;
        return Status::Ok();
    }

    const RootfsTree& tree_;
    UnpackReport& report_;
    bool as_root_;
    std::string stream_description_;
    std::set<std::string> written_;
    std::vector<DirTimes> dir_times_;
};

}  // namespace

Status apply_layer(TarStream& stream, const std::filesystem::path& rootfs, UnpackReport& report) {
    auto tree = RootfsTree::open(rootfs);
    if (!tree) return tree.error();
    LayerApplier applier(*tree, report);
    return applier.apply(stream);
}

Result<UnpackReport> unpack_image(const ImageSource& image, const std::filesystem::path& rootfs) {
    UnpackReport report;
    report.preserved_ownership = ::geteuid() == 0;
    if (image.rootfs())
        return Error{
            fmt::format("{}: dir: images cannot be fixed (no layers)", image.metadata().ref)};
    for (size_t index = 0; index < image.metadata().layers.size(); ++index) {
        auto source = image.open_layer(index);
        if (!source) return source.error();
        auto stream = TarStream::open(std::move(*source), image.expected_layer_digest(index));
        if (!stream) return stream.error();
        if (Status applied = apply_layer(**stream, rootfs, report); !applied.ok())
            return applied.error();
    }
    return report;
}

}  // namespace moat::fix
