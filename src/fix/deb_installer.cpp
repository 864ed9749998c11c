#include "fix/deb_installer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "fix/child_process.h"
#include "fix/dpkg_direct_install.h"
#include "fix/rootfs_tree.h"
#include "fix/rootfs_unpack.h"
#include "image/path.h"
#include "image/tar_stream.h"
#include "util/temp_dir.h"

namespace moat::fix {
namespace fs = std::filesystem;
namespace {

constexpr const char* kStagingDir = "tmp/moat-fix";  // inside the rootfs; see is_transient_path
constexpr const char* kPolicyRcd = "usr/sbin/policy-rc.d";

bool is_real_directory(const fs::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Undoes what the chroot install put into the rootfs for itself, on every path out.
class StagingGuard {
  public:
    explicit StagingGuard(const fs::path& rootfs) : rootfs_(rootfs) {}
    ~StagingGuard() {
        std::error_code ignored;
        fs::remove_all(rootfs_ / kStagingDir, ignored);
        fs::remove(rootfs_ / kPolicyRcd, ignored);
        if (policy_moved_)
            fs::rename(rootfs_ / (std::string(kPolicyRcd) + ".moat-saved"), rootfs_ / kPolicyRcd,
                       ignored);
        for (const auto& dir : created_dirs_) fs::remove(dir, ignored);  // only if still empty
    }
    void created(const fs::path& dir) { created_dirs_.push_back(dir); }
    bool policy_moved_ = false;

  private:
    fs::path rootfs_;
    std::vector<fs::path> created_dirs_;
};

// The child's view: a private mount namespace (its mounts vanish when it exits, whatever
// happens), /proc and a tmpfs /dev with the few device nodes maintainer scripts use.
bool enter_chroot(const fs::path& rootfs) {
    if (::unshare(CLONE_NEWNS) == 0) {
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
        fs::path proc = rootfs / "proc", dev = rootfs / "dev";
        if (is_real_directory(proc))
            ::mount("proc", proc.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
        if (is_real_directory(dev) && ::mount("tmpfs", dev.c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC,
                                              "mode=755,size=1m") == 0) {
            for (const char* node : {"null", "zero", "full", "random", "urandom", "tty"}) {
                fs::path inside = dev / node, host = fs::path("/dev") / node;
                int fd = ::open(inside.c_str(),
                                O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
                if (fd < 0) continue;
                ::close(fd);
                ::mount(host.c_str(), inside.c_str(), nullptr, MS_BIND, nullptr);
            }
        }
    }
    if (::chroot(rootfs.c_str()) != 0 || ::chdir("/") != 0) return false;
    return true;
}

Result<InstallReport> install_with_chroot(const fs::path& rootfs,
                                          const std::vector<fs::path>& debs) {
    InstallReport report;
    report.mode = InstallMode::ChrootDpkg;
    StagingGuard guard(rootfs);
    std::error_code error;
    for (const char* dir : {"tmp", "proc", "dev"}) {
        fs::path path = rootfs / dir;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) {
            fs::create_directory(path, error);
            if (std::string(dir) != "tmp") guard.created(path);
        }
    }
    if (!is_real_directory(rootfs / "tmp"))
        return Error{fmt::format("{}: /tmp is not a directory", rootfs.string())};
    fs::path staging = rootfs / kStagingDir;
    fs::remove_all(staging, error);
    fs::create_directory(staging, error);
    if (error)
        return Error{fmt::format("{}: cannot create /{}: {}", rootfs.string(), kStagingDir,
                                 error.message())};
    std::vector<std::string> argv = {"/usr/bin/dpkg", "--force-confdef", "--force-confold", "-i"};
    for (const auto& deb : debs) {
        fs::path copy = staging / deb.filename();
        fs::copy_file(deb, copy, error);
        if (error)
            return Error{
                fmt::format("{}: cannot copy into the rootfs: {}", deb.string(), error.message())};
        argv.push_back("/" + std::string(kStagingDir) + "/" + deb.filename().string());
    }
    // Services must not start inside the build: policy-rc.d exit 101 forbids it.
    fs::path policy = rootfs / kPolicyRcd;
    if (is_real_directory(policy.parent_path())) {
        struct stat st {};
        if (::lstat(policy.c_str(), &st) == 0) {
            fs::rename(policy, rootfs / (std::string(kPolicyRcd) + ".moat-saved"), error);
            guard.policy_moved_ = !error;
        }
        std::ofstream(policy) << "#!/bin/sh\nexit 101\n";
        fs::permissions(policy, fs::perms(0755), error);
    }
    std::vector<std::string> env = {
        "DEBIAN_FRONTEND=noninteractive", "DEBCONF_NONINTERACTIVE_SEEN=true",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C",
        "HOME=/root"};
    auto status = run_program(argv, env, report.dpkg_output, [&] { return enter_chroot(rootfs); });
    if (!status) return status.error();
    if (*status != 0)
        return Error{fmt::format("dpkg -i in the image's chroot failed (exit {}):\n{}", *status,
                                 report.dpkg_output)};
    return report;
}

}  // namespace

Status check_deb_payload(const fs::path& deb, const fs::path& scratch) {
    fs::path data = scratch / "payload-check.tar";
    struct Cleanup {
        fs::path path;
        ~Cleanup() {
            std::error_code ignored;
            fs::remove(path, ignored);
        }
    } cleanup{data};
    std::string output;
    auto rc = run_program(
        {"/usr/bin/dpkg-deb", "--fsys-tarfile", deb.string()}, {"LC_ALL=C"}, output,
        [] { return true; }, data);
    if (!rc) return rc.error();
    if (*rc != 0) return Error{fmt::format("{}: not a readable .deb: {}", deb.string(), output)};
    auto source = open_file_source(data, deb.string() + " data.tar");
    if (!source) return source.error();
    auto stream = TarStream::open(std::move(*source), "");
    if (!stream) return stream.error();
    std::set<std::string> symlinks;
    auto refuse = [&](const std::string& entry, const std::string& why) {
        return Error{fmt::format("{}: refused: data.tar entry {} {}", deb.string(), entry, why)};
    };
    for (;;) {
        auto next = (*stream)->next();
        if (!next) return next.error();
        if (!*next) break;
        const TarEntry& entry = **next;
        auto path = normalize_image_path(entry.raw_path);
        if (!path) return refuse(entry.raw_path, "climbs above the root");
        for (std::string_view parent = parent_path(*path); !parent.empty();
             parent = parent_path(parent))
            if (symlinks.count(std::string(parent)))
                return refuse(
                    entry.raw_path,
                    fmt::format("is written through the symlink /{} of the same package", parent));
        if (entry.kind == EntryKind::Hardlink) {
            auto target = normalize_image_path(entry.link_target);
            if (!target || target->empty())
                return refuse(entry.raw_path, "hard-links outside the root");
        }
        if (entry.kind == EntryKind::Symlink) {
            if (!entry.link_target.starts_with("/") &&
                !normalize_image_path(std::string(parent_path(*path)) + "/" + entry.link_target))
                return refuse(
                    entry.raw_path,
                    fmt::format("is a symlink climbing above the root ({})", entry.link_target));
            symlinks.insert(*path);
        }
    }
    return (*stream)->finish();
}

std::string install_mode_name(InstallMode mode) {
    return mode == InstallMode::ChrootDpkg
               ? "dpkg in a chroot (maintainer scripts ran)"
               : "direct unpacking (not root: maintainer scripts did not run)";
}

Result<InstallReport> install_debs(const fs::path& rootfs, const std::vector<fs::path>& debs,
                                   const InstallOptions& options) {
    if (debs.empty()) return InstallReport{};
    auto temp = private_temp_dir();
    if (!temp) return temp.error();
    for (const auto& deb : debs)
        if (Status safe = check_deb_payload(deb, *temp); !safe.ok()) return safe.error();
    // An image without dpkg (distroless) cannot run it in a chroot: its files are unpacked instead.
    struct stat dpkg {};
    bool has_dpkg = ::lstat((rootfs / "usr/bin/dpkg").c_str(), &dpkg) == 0;
    if (::geteuid() == 0 && !options.force_direct && has_dpkg)
        return install_with_chroot(rootfs, debs);
    std::string why = ::geteuid() != 0       ? "not running as root"
                      : options.force_direct ? "direct unpacking was asked for"
                                             : "the image has no dpkg to run";
    return install_by_unpacking(rootfs, debs, why);
}

}  // namespace moat::fix
