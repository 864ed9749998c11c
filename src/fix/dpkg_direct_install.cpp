#include "fix/dpkg_direct_install.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "fix/child_process.h"
#include "fix/rootfs_tree.h"
#include "fix/rootfs_unpack.h"
#include "image/path.h"
#include "image/tar_stream.h"
#include "util/temp_dir.h"

namespace moat::fix {
namespace fs = std::filesystem;
namespace {

bool is_real_directory(const fs::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::map<std::string, std::string> parse_control(const std::string& text,
                                                 std::vector<std::string>& order) {
    std::map<std::string, std::string> fields;
    std::string current;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) break;
        if ((line[0] == ' ' || line[0] == '\t') && !current.empty()) {
            fields[current] += "\n" + line;
            continue;
        }
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        current = line.substr(0, colon);
        std::string value = line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (!fields.count(current)) order.push_back(current);
        fields[current] = value;
    }
    return fields;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The package's stanza in dpkg's status file replaced by one built from its new control file.
std::string replace_status_stanza(const std::string& status, const std::string& package,
                                  const std::string& arch, const std::string& stanza) {
    std::string out;
    bool replaced = false;
    size_t start = 0;
    while (start < status.size()) {
        size_t end = status.find("\n\n", start);
        std::string block =
            status.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? status.size() : end + 2;
        if (block.find_first_not_of('\n') == std::string::npos) continue;
        std::vector<std::string> order;
        auto fields = parse_control(block, order);
        bool same =
            fields["Package"] == package &&
            (fields["Architecture"] == arch || fields["Architecture"] == "all" || arch == "all");
        out += (same ? stanza : block) + "\n\n";
        replaced = replaced || same;
    }
    if (!replaced) out += stanza + "\n\n";
    return out;
}

}  // namespace

Result<InstallReport> install_by_unpacking(const fs::path& rootfs,
                                           const std::vector<fs::path>& debs,
                                           const std::string& why) {
    InstallReport report;
    report.mode = InstallMode::DirectUnpack;
    report.warnings.push_back(
        why +
        ": package files were unpacked directly and dpkg's database updated; maintainer "
        "scripts did not run");
    auto temp_root = private_temp_dir();
    if (!temp_root) return temp_root.error();
    fs::path work = *temp_root / fmt::format("fix-unpack-{}", ::getpid());
    std::error_code error;
    fs::create_directories(work, error);
    struct Cleanup {
        fs::path path;
        ~Cleanup() {
            std::error_code ignored;
            fs::remove_all(path, ignored);
        }
    } cleanup{work};
    fs::path admin = rootfs / "var/lib/dpkg";
    if (!is_real_directory(admin / "info"))
        return Error{fmt::format("{}: no dpkg database", rootfs.string())};
    for (const auto& deb : debs) {
        fs::path data = work / "data.tar", control = work / "control";
        fs::remove_all(control, error);
        std::string output;
        auto none = [] { return true; };
        auto rc = run_program({"/usr/bin/dpkg-deb", "--fsys-tarfile", deb.string()}, {"LC_ALL=C"},
                              output, none, data);
        if (!rc) return rc.error();
        if (*rc != 0)
            return Error{fmt::format("{}: not a readable .deb: {}", deb.string(), output)};
        rc = run_program({"/usr/bin/dpkg-deb", "-e", deb.string(), control.string()}, {"LC_ALL=C"},
                         output, none);
        if (!rc) return rc.error();
        if (*rc != 0)
            return Error{fmt::format("{}: not a readable .deb: {}", deb.string(), output)};
        std::vector<std::string> order;
        auto fields = parse_control(read_text(control / "control"), order);
        std::string package = fields["Package"], arch = fields["Architecture"];
        if (package.empty() || package.find('/') != std::string::npos ||
            package.find("..") != std::string::npos)
            return Error{fmt::format("{}: control file names no usable package", deb.string())};
        // The file list, in archive order, as dpkg's info/*.list keeps it.
        std::vector<std::string> files = {"/."};
        {
            auto source = open_file_source(data, deb.string() + " data");
            if (!source) return source.error();
            auto stream = TarStream::open(std::move(*source), "");
            if (!stream) return stream.error();
            for (;;) {
                auto next = (*stream)->next();
                if (!next) return next.error();
                if (!*next) break;
                auto path = normalize_image_path((*next)->raw_path);
                if (!path)
                    return Error{fmt::format("{}: {} climbs above the root", deb.string(),
                                             (*next)->raw_path)};
                if (!path->empty()) files.push_back("/" + *path);
            }
        }
        auto source = open_file_source(data, deb.string() + " data");
        if (!source) return source.error();
        auto stream = TarStream::open(std::move(*source), "");
        if (!stream) return stream.error();
        UnpackReport unpacked;
        if (Status applied = apply_layer(**stream, rootfs, unpacked); !applied.ok())
            return applied.error();

        std::string info_name = fields["Multi-Arch"] == "same" ? package + ":" + arch : package;
        fs::path info = admin / "info";
        // Files the old version had and the new one does not are removed, as dpkg would.
        std::set<std::string> now(files.begin(), files.end());
        std::istringstream old_list(read_text(info / (info_name + ".list")));
        auto tree = RootfsTree::open(rootfs);
        if (!tree) return tree.error();
        for (std::string line; std::getline(old_list, line);) {
            auto path = normalize_image_path(line);
            if (!path || path->empty() || now.count(line)) continue;
            auto parent = tree->open_parent(*path, false);
            if (!parent) continue;
            struct stat st {};
            std::string name(base_name(*path));
            if (::fstatat(parent->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                !S_ISDIR(st.st_mode))
                ::unlinkat(parent->get(), name.c_str(), 0);
        }
        std::string list;
        for (const auto& file : files) list += file + "\n";
        std::ofstream(info / (info_name + ".list"), std::ios::trunc) << list;
        for (const auto& entry : fs::directory_iterator(control, error)) {
            std::string name = entry.path().filename().string();
            if (name == "control") continue;
            fs::copy_file(entry.path(), info / (info_name + "." + name),
                          fs::copy_options::overwrite_existing, error);
        }
        std::string stanza = "Package: " + package + "\nStatus: install ok installed";
        for (const auto& field : order)
            if (field != "Package" && field != "Status")
                stanza += "\n" + field + ": " + fields[field];
        std::string status =
            replace_status_stanza(read_text(admin / "status"), package, arch, stanza);
        fs::path temp = admin / "status.moat-tmp";
        std::ofstream(temp, std::ios::trunc) << status;
        fs::rename(temp, admin / "status", error);
        if (error)
            return Error{
                fmt::format("{}: cannot update dpkg status: {}", rootfs.string(), error.message())};
    }
    return report;
}

}  // namespace moat::fix
