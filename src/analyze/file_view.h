// A read-only view of the files an analyzer asked for, after layers are merged.
// Paths are relative to the image root, without a leading '/'.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat {

struct FileContent {
    std::string path;   // the path the body was found at, after resolving symlinks
    std::string layer;  // digest of the layer that last wrote it
    std::string_view bytes;
};

class FileView {
public:
    virtual ~FileView() = default;
    // The file at `path` (symlinks resolved inside the image root), if it was captured.
    virtual std::optional<FileContent> read(std::string_view path) const = 0;
    // Every captured regular file whose path satisfies `match`, in path order.
    virtual std::vector<FileContent> files_matching(
        const std::function<bool(std::string_view)>& match) const = 0;
};

}  // namespace moat
