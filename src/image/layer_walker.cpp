#include "image/layer_walker.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "image/path.h"

namespace moat {
namespace {

constexpr std::string_view kElfMagic = "\x7f" "ELF";

bool is_executable(uint32_t mode) { return (mode & 0111) != 0; }

// Whether the file at `file` is an ELF file, and for `need_program` also a program rather than
// a shared library: ET_EXEC, or ET_DYN with an interpreter (PT_INTERP), as PIE executables are.
// Plain open/pread: this runs for every file of a dir: source.
bool elf_file(const std::filesystem::path& file, bool need_program) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    unsigned char header[64] = {};
    const ssize_t got = ::pread(fd, header, sizeof header, 0);
    bool verdict = got >= 4 && std::memcmp(header, kElfMagic.data(), kElfMagic.size()) == 0;
    if (verdict && need_program) {
        const bool wide = header[4] == 2, big = header[5] == 2;
        auto number = [&](const unsigned char* at, size_t width) {
            uint64_t value = 0;
            for (size_t i = 0; i < width; ++i) value = (value << 8) | at[big ? i : width - 1 - i];
            return value;
        };
        const uint64_t type = number(header + 16, 2);
        verdict = got == static_cast<ssize_t>(sizeof header) && (type == 2 || type == 3);
        if (verdict && type == 3) {
            const uint64_t table = wide ? number(header + 0x20, 8) : number(header + 0x1c, 4);
            const uint64_t entry = number(header + (wide ? 0x36 : 0x2a), 2);
            const uint64_t count = number(header + (wide ? 0x38 : 0x2c), 2);
            std::vector<unsigned char> headers(entry >= 4 && entry <= 256 && count <= 512 ? entry * count : 0);
            verdict = !headers.empty() && table < (uint64_t{1} << 40) &&
                      ::pread(fd, headers.data(), headers.size(), static_cast<off_t>(table)) ==
                          static_cast<ssize_t>(headers.size());
            bool interpreter = false;
            for (uint64_t i = 0; verdict && i < count && !interpreter; ++i)
                interpreter = number(headers.data() + i * entry, 4) == 3;  // PT_INTERP
            verdict = verdict && interpreter;
        }
    }
    ::close(fd);
    return verdict;
}

// Decides from a body's first bytes, as they stream past, whether it is an ELF file.
class ElfSniffer {
public:
    // Whether to keep the chunk: true until the magic is seen to be wrong.
    bool feed(const char* data, size_t size) {
        while (seen_ < kElfMagic.size() && size > 0) {
            if (*data != kElfMagic[seen_]) return elf_ = false;
            ++seen_, ++data, --size;
        }
        return elf_;
    }
    bool is_elf() const { return elf_ && seen_ == kElfMagic.size(); }

private:
    size_t seen_ = 0;
    bool elf_ = true;
};

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

// Records whiteout markers; true when `path` was one (it is then not a file of the image).
bool take_whiteout(const std::string& path, LayerCapture& capture) {
    std::string_view name = base_name(path);
    if (!name.starts_with(kWhiteoutPrefix)) return false;
    std::string parent(parent_path(path));
    if (name == kOpaqueMarker) {
        capture.opaque_dirs.push_back(parent);
    } else {
        std::string hidden(name.substr(kWhiteoutPrefix.size()));
        capture.whiteouts.push_back(parent.empty() ? hidden : parent + "/" + hidden);
    }
    return true;
}

Status read_file_body(const std::filesystem::path& file, const std::string& description,
                      std::shared_ptr<const FileBody>& body) {
    int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Error{fmt::format("{}: cannot open: {}", description, std::strerror(errno))};
    FileBodyBuilder builder(description);
    char buffer[65536];
    for (;;) {
        ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            ::close(fd);
            return Error{fmt::format("{}: read failed: {}", description, std::strerror(errno))};
        }
        if (got == 0) break;
        if (Status status = builder.append(buffer, static_cast<size_t>(got)); !status.ok()) {
            ::close(fd);
            return status;
        }
    }
    ::close(fd);
    auto finished = builder.finish();
    if (!finished) return finished.error();
    body = std::move(*finished);
    return Status::Ok();
}

constexpr size_t kMaxLinksPerTarget = 8;

}  // namespace

void LayerWalker::replay_links(const LayerCapture& capture) const {
    for (const auto& [path, target] : capture.symlinks) remember_link(path, target);
}

void LayerWalker::remember_link(const std::string& path, const std::string& raw_target) const {
    auto& links = links_to_[resolve_link_target(path, raw_target)];
    if (links.size() < kMaxLinksPerTarget) links.push_back(path);
}

bool LayerWalker::elf_candidate(uint64_t size) const {
    auto limit = matcher_.elf_executable_limit();
    return limit && size >= kElfMagic.size() && size <= *limit;
}

std::optional<uint64_t> LayerWalker::wanted(std::string_view path) const {
    if (auto limit = matcher_.wanted(path)) return limit;
    if (links_to_.empty()) return std::nullopt;
    // Try the path itself, then each of its directories, as the target of a known link.
    for (size_t end = path.size(); end > 0;) {
        if (auto it = links_to_.find(std::string(path.substr(0, end))); it != links_to_.end())
            for (const auto& link : it->second)
                if (auto limit = matcher_.wanted(link + std::string(path.substr(end)))) return limit;
        size_t slash = path.rfind('/', end - 1);
        if (slash == std::string_view::npos) break;
        end = slash;
    }
    return std::nullopt;
}

Result<LayerCapture> LayerWalker::walk(TarStream& stream) const {
    LayerCapture capture;
    std::unordered_set<std::string> captured;  // paths whose body this pass kept
    size_t opaque_before = 0;                  // to tell a whiteout from an opaque-dir marker
    for (;;) {
        auto next = stream.next();
        if (!next) return next.error();
        if (!*next) break;
        const TarEntry& entry = **next;
        ++capture.entries;
        auto path = normalize_image_path(entry.raw_path);
        if (!path) {
            capture.warnings.push_back(fmt::format("{}: entry {} climbs out of the image root; skipped",
                                                   stream.description(), entry.raw_path));
            continue;
        }
        if (path->empty()) continue;
        if (take_whiteout(*path, capture)) {
            if (observer_) {
                const bool opaque = capture.opaque_dirs.size() > opaque_before;
                observer_->on_deletion(opaque ? capture.opaque_dirs.back() : capture.whiteouts.back(), opaque);
            }
            opaque_before = capture.opaque_dirs.size();
            continue;
        }
        const bool observe_body =
            observer_ && observer_->on_entry(ObservedEntry{*path, entry.kind, entry.mode, entry.size, entry.link_target}) &&
            entry.kind == EntryKind::Regular;

        LayerNode node;
        node.kind = entry.kind;
        switch (entry.kind) {
            case EntryKind::Symlink:
                node.link_target = entry.link_target;
                remember_link(*path, entry.link_target);
                capture.symlinks.emplace_back(*path, entry.link_target);
                break;
            case EntryKind::Hardlink: {
                auto target = normalize_image_path(entry.link_target);
                if (!target || target->empty()) {
                    capture.warnings.push_back(fmt::format(
                        "{}: hard link {} points outside the image ({}); skipped",
                        stream.description(), *path, entry.link_target));
                    continue;
                }
                if (!captured.count(*target) && wanted(*path)) capture.missing_link_targets.push_back(*target);
                node.link_target = *target;
                break;
            }
            case EntryKind::Regular: {
                auto limit = wanted(*path);
                const bool sniff_elf = !limit && is_executable(entry.mode) && elf_candidate(entry.size);
                bool keep_body = limit || sniff_elf;
                bool record = false;  // a wanted file too large to read still hides lower layers' copies
                if (limit && entry.size > *limit) {
                    capture.warnings.push_back(fmt::format("{}: {} is {} bytes, over the {} byte limit; not read",
                                                           stream.description(), *path, entry.size, *limit));
                    keep_body = false;
                    record = true;
                }
                if (!keep_body && !observe_body) {
                    if (!record && !shadows_(*path)) continue;
                    break;
                }
                FileBodyBuilder builder(stream.description() + ": " + *path);
                if (keep_body && !sniff_elf) builder.expect(entry.size);
                ElfSniffer sniffer;
                Status appended = Status::Ok();
                Status read = stream.read_body_chunks([&](const char* data, size_t size) {
                    if (observe_body) observer_->on_body_chunk(std::string_view(data, size));
                    if (!keep_body || (sniff_elf && !sniffer.feed(data, size))) return;
                    if (appended.ok()) appended = builder.append(data, size);
                });
                if (observe_body) observer_->on_body_end();
                if (!read.ok()) return read.error();
                if (!appended.ok()) return appended.error();
                if (!keep_body || (sniff_elf && !sniffer.is_elf())) {
                    if (!record && !shadows_(*path)) continue;
                    break;
                }
                auto body = builder.finish();
                if (!body) return body.error();
                node.body = std::move(*body);
                captured.insert(*path);
                break;
            }
            default:
                if (!shadows_(*path)) continue;
                break;
        }
        capture.nodes.emplace_back(std::move(*path), std::move(node));
    }
    return capture;
}

Result<LayerCapture> LayerWalker::walk_directory(const std::filesystem::path& root,
                                                 const std::string& description) const {
    namespace fs = std::filesystem;
    LayerCapture capture;
    std::error_code error;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, error);
    if (error) return Error{fmt::format("{}: cannot read directory: {}", description, error.message())};
    for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
        if (error) return Error{fmt::format("{}: cannot read directory: {}", description, error.message())};
        ++capture.entries;
        std::string path = it->path().lexically_relative(root).generic_string();
        fs::file_status status = it->symlink_status(error);
        if (error) continue;
        LayerNode node;
        const auto perms = static_cast<uint32_t>(status.permissions()) & 07777;
        if (fs::is_symlink(status)) {
            node.kind = EntryKind::Symlink;
            node.link_target = fs::read_symlink(it->path(), error).string();
            if (error) continue;
            remember_link(path, node.link_target);
            if (observer_) observer_->on_entry(ObservedEntry{path, node.kind, perms, 0, node.link_target});
        } else if (fs::is_regular_file(status)) {
            node.kind = EntryKind::Regular;
            auto limit = wanted(path);
            uint64_t size = it->file_size(error);
            if (error) continue;
            if (observer_ && observer_->on_entry(ObservedEntry{path, node.kind, perms, size, {}}))
                observe_file(it->path(), description + ": " + path, capture.warnings);
            if (!limit) {
                // A directory copied or unpacked by other tools may have lost its modes (the peer
                // fixtures are all read-only): without an x bit, an ELF program still counts, but
                // not the shared libraries that hold most of a root filesystem's ELF bytes.
                if (!elf_candidate(size) || !elf_file(it->path(), !is_executable(perms))) continue;
                limit = size;
            }
            if (size > *limit) {
                capture.warnings.push_back(fmt::format("{}: {} is {} bytes, over the {} byte limit; not read",
                                                       description, path, size, *limit));
            } else if (Status read = read_file_body(it->path(), description + ": " + path, node.body);
                       !read.ok()) {
                capture.warnings.push_back(read.message());
            }
        } else {
            if (observer_ && fs::is_directory(status))
                observer_->on_entry(ObservedEntry{path, EntryKind::Directory, perms, 0, {}});
            continue;
        }
        capture.nodes.emplace_back(std::move(path), std::move(node));
    }
    return capture;
}

void LayerWalker::observe_file(const std::filesystem::path& file, const std::string& description,
                               std::vector<std::string>& warnings) const {
    std::ifstream in(file, std::ios::binary);
    if (!in) warnings.push_back(fmt::format("{}: cannot read: {}", description, std::strerror(errno)));
    std::vector<char> chunk(256 * 1024);
    while (in) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        if (in.gcount() > 0) observer_->on_body_chunk(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
    }
    observer_->on_body_end();
}

}  // namespace moat
