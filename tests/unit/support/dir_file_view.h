// Test support: a FileView over an unpacked directory (every regular file under it, read
// eagerly), so analyzers can be tested on fixture trees without the image pipeline.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "analyze/file_view.h"

namespace moat::testing {

class DirFileView : public FileView {
public:
    explicit DirFileView(const std::filesystem::path& root) {
        namespace fs = std::filesystem;
        for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
             ++it) {
            if (!it->is_regular_file() || it->is_symlink()) continue;
            std::ifstream in(it->path(), std::ios::binary);
            std::stringstream buffer;
            buffer << in.rdbuf();
            files_[fs::relative(it->path(), root).generic_string()] = buffer.str();
        }
    }

    std::optional<FileContent> read(std::string_view path) const override {
        auto it = files_.find(std::string(path));
        if (it == files_.end()) return std::nullopt;
        return FileContent{it->first, "", it->second};
    }

    std::vector<FileContent> files_matching(
        const std::function<bool(std::string_view)>& match) const override {
        std::vector<FileContent> out;
        for (const auto& [path, body] : files_)
            if (match(path)) out.push_back(FileContent{path, "", body});
        return out;
    }

private:
    std::map<std::string, std::string> files_;
};

inline std::filesystem::path shared_dir() { return MOAT_SHARED_DIR; }

}  // namespace moat::testing
