#include "util/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>

namespace moat {
namespace {

struct TempDir {
    std::filesystem::path path;
    std::string error;
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/moat.XXXXXX";
        if (::mkdtemp(pattern.data()))
            path = pattern;
        else
            error = std::string("cannot create a private temp dir under ") +
                    pattern.substr(0, pattern.size() - 12) + ": " + std::strerror(errno);
    }
    ~TempDir() {
        std::error_code ignored;
        if (!path.empty()) std::filesystem::remove_all(path, ignored);
    }
};

}  // namespace

Result<std::filesystem::path> private_temp_dir() {
    static TempDir dir;
    if (dir.path.empty()) return Error{dir.error};
    return dir.path;
}

}  // namespace moat
