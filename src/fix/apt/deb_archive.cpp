// .deb reading and validation (see deb_archive.h).
#include "fix/apt/deb_archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <vector>

#include <fmt/format.h>

namespace moat::fix {
namespace {

constexpr std::size_t kMaxControlTar = 64ull << 20;
constexpr std::size_t kMaxControlFile = 1ull << 20;
constexpr std::size_t kMaxEntries = 1000000;
constexpr std::size_t kMaxPath = 4096;

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;

ArchivePtr new_tar_reader() {
    ArchivePtr reader(archive_read_new(), archive_read_free);
    archive_read_support_filter_gzip(reader.get());
    archive_read_support_filter_xz(reader.get());
    archive_read_support_filter_zstd(reader.get());
    archive_read_support_filter_bzip2(reader.get());
    archive_read_support_format_tar(reader.get());
    archive_read_support_format_gnutar(reader.get());
    return reader;
}

// Inner tar streamed from the current member of the outer ar archive.
la_ssize_t read_outer(archive*, void* user, const void** buffer) {
    static thread_local char chunk[65536];
    auto* outer = static_cast<archive*>(user);
    la_ssize_t n = archive_read_data(outer, chunk, sizeof chunk);
    *buffer = chunk;
    return n;
}

// Splits a path into components, dropping "." and empty ones; false when it is absolute.
std::vector<std::string> components(std::string_view path) {
    std::vector<std::string> parts;
    std::size_t at = 0;
    while (at <= path.size()) {
        auto next = path.find('/', at);
        if (next == std::string_view::npos) next = path.size();
        std::string_view part = path.substr(at, next - at);
        if (!part.empty() && part != ".") parts.emplace_back(part);
        at = next + 1;
    }
    return parts;
}

std::string normalized_member_path(std::string_view path) {
    if (path.starts_with("./")) path.remove_prefix(2);
    return std::string(path);
}

// Whether resolving `target` from the directory holding `link` (both relative to the root)
// climbs above the root. An absolute target starts from the root itself.
bool escapes_root(const std::string& link, std::string_view target) {
    std::vector<std::string> stack;
    if (!target.starts_with("/")) {
        stack = components(link);
        if (!stack.empty()) stack.pop_back();  // the link's directory
    }
    for (auto& part : components(target)) {
        if (part == "..") {
            if (stack.empty()) return true;
            stack.pop_back();
        } else {
            stack.push_back(std::move(part));
        }
    }
    return false;
}

Status check_entry(archive_entry* entry, const std::string& package, const DebCheckOptions& options) {
    const char* raw = archive_entry_pathname(entry);
    std::string path = raw ? raw : "";
    auto refuse = [&](std::string_view why) {
        return Error{fmt::format("package {}: refusing data entry '{}': {}", package, path.substr(0, 256), why)};
    };
    if (path.empty() || path.size() > kMaxPath) return refuse("empty or overlong path");
    if (path.front() == '/') return refuse("absolute path");
    if (path.find('\0') != std::string::npos) return refuse("NUL in path");
    for (const auto& part : components(path))
        if (part == "..") return refuse("'..' path component");
    const std::string member = normalized_member_path(path);
    switch (archive_entry_filetype(entry)) {
        case AE_IFREG:
        case AE_IFDIR:
            break;
        case AE_IFLNK: {
            const char* target = archive_entry_symlink(entry);
            std::string_view link_target = target ? target : "";
            if (link_target.empty()) return refuse("symlink without a target");
            if (link_target.front() == '/' && !options.allow_absolute_symlinks)
                return refuse(fmt::format("absolute symlink target '{}'", link_target));
            if (escapes_root(member, link_target))
                return refuse(fmt::format("symlink target '{}' escapes the root", link_target));
            break;
        }
        case AE_IFCHR:
        case AE_IFBLK:
            return refuse("device node");
        case AE_IFIFO:
            return refuse("FIFO");
        case AE_IFSOCK:
            return refuse("socket");
        default:
            if (archive_entry_hardlink(entry) == nullptr) return refuse("unknown file type");
    }
    if (const char* link = archive_entry_hardlink(entry)) {
        std::string_view target = link;
        if (target.empty() || target.front() == '/') return refuse("hard link to an absolute path");
        for (const auto& part : components(target))
            if (part == "..") return refuse(fmt::format("hard link to '{}' outside the package", target));
    }
    return Status::Ok();
}

Result<DebInfo> read_deb(archive* outer, const std::string& label, const DebCheckOptions& options) {
    DebInfo info;
    bool saw_binary = false, saw_control = false;
    std::string package = label;
    archive_entry* member = nullptr;
    int index = 0;
    for (;;) {
        int rc = archive_read_next_header(outer, &member);
        if (rc == ARCHIVE_EOF) break;
        if (rc != ARCHIVE_OK) return Error{fmt::format("{}: not a valid .deb ar archive: {}", label, archive_error_string(outer))};
        std::string name = archive_entry_pathname(member) ? archive_entry_pathname(member) : "";
        if (index++ == 0) {
            if (name != "debian-binary") return Error{fmt::format("{}: .deb does not start with debian-binary", label)};
            char version[16] = {};
            la_ssize_t n = archive_read_data(outer, version, sizeof version - 1);
            if (n < 2 || std::string_view(version, 2) != "2.") return Error{fmt::format("{}: unsupported .deb format version", label)};
            saw_binary = true;
            continue;
        }
        bool is_control = name.starts_with("control.tar");
        bool is_data = name.starts_with("data.tar");
        if (!is_control && !is_data) continue;  // "_gpgbuilder" and other extra members
        if (is_control && saw_control) return Error{fmt::format("{}: two control members", label)};
        if (is_data && !info.data_member.empty()) return Error{fmt::format("{}: two data members", label)};
        if (is_control && archive_entry_size(member) > static_cast<la_int64_t>(kMaxControlTar))
            return Error{fmt::format("{}: control member too large", label)};
        auto inner = new_tar_reader();
        if (archive_read_open(inner.get(), outer, nullptr, read_outer, nullptr) != ARCHIVE_OK)
            return Error{fmt::format("{}: cannot read {}: {}", label, name, archive_error_string(inner.get()))};
        archive_entry* entry = nullptr;
        std::size_t entries = 0;
        for (;;) {
            int inner_rc = archive_read_next_header(inner.get(), &entry);
            if (inner_rc == ARCHIVE_EOF) break;
            if (inner_rc != ARCHIVE_OK && inner_rc != ARCHIVE_WARN)
                return Error{fmt::format("{}: malformed {}: {}", label, name, archive_error_string(inner.get()))};
            if (++entries > kMaxEntries) return Error{fmt::format("{}: {} has too many entries", label, name)};
            if (is_control) {
                std::string path = normalized_member_path(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
                if (path == "control" && archive_entry_filetype(entry) == AE_IFREG) {
                    if (archive_entry_size(entry) > static_cast<la_int64_t>(kMaxControlFile))
                        return Error{fmt::format("{}: control file too large", label)};
                    std::string text(static_cast<std::size_t>(std::max<la_int64_t>(archive_entry_size(entry), 0)), '\0');
                    la_ssize_t n = archive_read_data(inner.get(), text.data(), text.size());
                    if (n < 0) return Error{fmt::format("{}: cannot read control: {}", label, archive_error_string(inner.get()))};
                    text.resize(static_cast<std::size_t>(n));
                    info.control = parse_control_fields(text);
                    if (auto found = info.control.find("Package"); found != info.control.end()) package = found->second;
                }
            } else {
                if (auto status = check_entry(entry, package, options); !status) return Error{status.error()};
            }
        }
        if (is_control) saw_control = true;
        else {
            info.data_member = name;
            info.data_entries = entries;
        }
    }
    if (!saw_binary || !saw_control || info.data_member.empty())
        return Error{fmt::format("{}: .deb lacks debian-binary, control.tar or data.tar", label)};
    if (!info.control.count("Package")) return Error{fmt::format("{}: control file has no Package field", label)};
    return info;
}

}  // namespace

std::map<std::string, std::string> parse_control_fields(std::string_view text) {
    std::map<std::string, std::string> fields;
    std::string last;
    std::size_t at = 0;
    while (at < text.size() && fields.size() < 1000) {
        auto nl = text.find('\n', at);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(at, nl - at);
        at = nl + 1;
        if (line.empty()) break;  // the first stanza only
        if ((line.front() == ' ' || line.front() == '\t') && !last.empty()) {
            fields[last] += "\n";
            fields[last] += line.substr(1);
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        last = std::string(line.substr(0, colon));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.remove_suffix(1);
        fields[last] = std::string(value);
    }
    return fields;
}

Result<DebInfo> read_and_validate_deb(const std::filesystem::path& file, const DebCheckOptions& options) {
    ArchivePtr outer(archive_read_new(), archive_read_free);
    archive_read_support_format_ar(outer.get());
    if (archive_read_open_filename(outer.get(), file.c_str(), 65536) != ARCHIVE_OK)
        return Error{fmt::format("{}: cannot open: {}", file.string(), archive_error_string(outer.get()))};
    return read_deb(outer.get(), file.filename().string(), options);
}

Result<DebInfo> read_and_validate_deb_memory(const void* data, std::size_t size, const std::string& label,
                                             const DebCheckOptions& options) {
    ArchivePtr outer(archive_read_new(), archive_read_free);
    archive_read_support_format_ar(outer.get());
    if (archive_read_open_memory(outer.get(), data, size) != ARCHIVE_OK)
        return Error{fmt::format("{}: cannot open: {}", label, archive_error_string(outer.get()))};
    return read_deb(outer.get(), label, options);
}

}  // namespace moat::fix
