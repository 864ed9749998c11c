// Test support: a FileView over an unpacked directory (every regular file under it, read
// eagerly), so analyzers can be tested on fixture trees without the image pipeline.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "memory_file_view.h"

namespace moat::testing {

// Built on MemoryFileView: the tree is read into the map up front.
class DirFileView : public MemoryFileView {
public:
    explicit DirFileView(const std::filesystem::path& root) : MemoryFileView(read_tree(root)) {}

private:
    static std::map<std::string, std::string> read_tree(const std::filesystem::path& root) {
        namespace fs = std::filesystem;
        std::map<std::string, std::string> files;
        for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
             ++it) {
            if (!it->is_regular_file() || it->is_symlink()) continue;
            std::ifstream in(it->path(), std::ios::binary);
            std::stringstream buffer;
            buffer << in.rdbuf();
            files[fs::relative(it->path(), root).generic_string()] = buffer.str();
        }
        return files;
    }
};

inline std::filesystem::path shared_dir() { return MOAT_SHARED_DIR; }

}  // namespace moat::testing
