// Test support for fix/: scratch directories, small files, and tar archives built in memory
// with libarchive, so unpacking and layer writing can be checked on exact shapes.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "image/byte_source.h"
#include "image/tar_stream.h"

namespace moat::testing {

class ScratchDir {
  public:
    ScratchDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "moat-fix-test.XXXXXX").string();
        path_ = ::mkdtemp(pattern.data()) ? pattern : "";
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
}

struct TarMember {
    std::string path;
    char type = 'f';  // f file, d dir, l symlink, h hard link
    std::string body_or_target;
    unsigned mode = 0644;
};

// Writes a plain tar of `members` to `file`.
inline void write_tar(const std::filesystem::path& file, const std::vector<TarMember>& members) {
    archive* writer = archive_write_new();
    archive_write_set_format_pax_restricted(writer);
    archive_write_open_filename(writer, file.c_str());
    for (const auto& member : members) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, member.path.c_str());
        archive_entry_set_perm(entry, member.mode);
        archive_entry_set_mtime(entry, 1700000000, 0);
        switch (member.type) {
            case 'd':
                archive_entry_set_filetype(entry, AE_IFDIR);
                break;
            case 'l':
                archive_entry_set_filetype(entry, AE_IFLNK);
                archive_entry_set_symlink(entry, member.body_or_target.c_str());
                break;
            case 'h':
                archive_entry_set_filetype(entry, AE_IFREG);
                archive_entry_set_hardlink(entry, member.body_or_target.c_str());
                break;
            default:
                archive_entry_set_filetype(entry, AE_IFREG);
                archive_entry_set_size(entry,
                                       static_cast<la_int64_t>(member.body_or_target.size()));
        }
        archive_write_header(writer, entry);
        if (member.type == 'f')
            archive_write_data(writer, member.body_or_target.data(), member.body_or_target.size());
        archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);
}

// Every entry of a (possibly gzip) tar: path -> (type letter, body or link target).
inline std::vector<std::pair<std::string, TarMember>> read_tar(const std::filesystem::path& file) {
    std::vector<std::pair<std::string, TarMember>> out;
    auto source = open_file_source(file, file.string());
    if (!source) return out;
    auto stream = TarStream::open(std::move(*source), "");
    if (!stream) return out;
    for (;;) {
        auto next = (*stream)->next();
        if (!next || !*next) break;
        TarMember member;
        member.path = (*next)->raw_path;
        member.mode = (*next)->mode;
        switch ((*next)->kind) {
            case EntryKind::Directory:
                member.type = 'd';
                break;
            case EntryKind::Symlink:
                member.type = 'l';
                member.body_or_target = (*next)->link_target;
                break;
            case EntryKind::Hardlink:
                member.type = 'h';
                member.body_or_target = (*next)->link_target;
                break;
            case EntryKind::Regular:
                member.type = 'f';
                (void)(*stream)->read_body(member.body_or_target, 1 << 20);
                break;
            default:
                member.type = '?';
        }
        out.emplace_back(member.path, member);
    }
    return out;
}

}  // namespace moat::testing
