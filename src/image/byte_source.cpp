#include "image/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace moat {
namespace {

class FileSource : public ByteSource {
public:
    FileSource(int fd, std::string description) : fd_(fd), description_(std::move(description)) {}
    ~FileSource() override { ::close(fd_); }

    Result<size_t> read(void* buffer, size_t size) override {
        for (;;) {
            ssize_t got = ::read(fd_, buffer, size);
            if (got >= 0) return static_cast<size_t>(got);
            if (errno != EINTR)
                return Error{fmt::format("{}: read failed: {}", description_, std::strerror(errno))};
        }
    }
    const std::string& description() const override { return description_; }

private:
    int fd_;
    std::string description_;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> open_file_source(const std::filesystem::path& path,
                                                     std::string description) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{fmt::format("{}: cannot open: {}", description, std::strerror(errno))};
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return Error{fmt::format("{}: not a regular file", description)};
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return std::unique_ptr<ByteSource>(new FileSource(fd, std::move(description)));
}

Result<std::string> read_small_file(const std::filesystem::path& path, size_t max_bytes,
                                    const std::string& description) {
    auto source = open_file_source(path, description);
    if (!source) return source.error();
    std::string out;
    char buffer[65536];
    for (;;) {
        auto got = (*source)->read(buffer, sizeof buffer);
        if (!got) return got.error();
        if (*got == 0) break;
        if (out.size() + *got > max_bytes)
            return Error{fmt::format("{}: larger than {} bytes", description, max_bytes)};
        out.append(buffer, *got);
    }
    return out;
}

}  // namespace moat
