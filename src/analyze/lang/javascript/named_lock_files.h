// Shared by the JavaScript lock-file analyzers: every captured file of one name, wherever it
// sits in the image, parsed into packages that carry the file's path and layer.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"
#include "analyze/lang/lock_text.h"

namespace moat {

// A file called `file_name` at the image root or in any directory, up to `max_bytes` (the
// walker skips bigger files with a warning).
inline PathInterest named_lock_file_interest(std::string_view file_name, size_t max_bytes) {
    PathInterest interest;
    interest.exact = {std::string(file_name)};
    interest.suffixes = {fmt::format("/{}", file_name)};
    interest.max_bytes = max_bytes;
    return interest;
}

inline std::vector<Package> packages_from_named_lock_files(const FileView& files,
                                                           std::string_view file_name,
                                                           const LockFileParser& parse,
                                                           std::vector<std::string>& warnings) {
    const auto is_lock_file = [file_name](std::string_view path) {
        return path == file_name ||
               (path.size() > file_name.size() && path.ends_with(file_name) &&
                path[path.size() - file_name.size() - 1] == '/');
    };
    return read_lock_files(files, is_lock_file, parse, warnings);
}

}  // namespace moat
