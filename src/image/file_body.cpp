#include "image/file_body.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "util/temp_dir.h"

namespace moat {
namespace {

class MemoryBody : public FileBody {
public:
    explicit MemoryBody(std::string bytes) : bytes_(std::move(bytes)) {}
    std::string_view bytes() const override { return bytes_; }

private:
    std::string bytes_;
};

class MappedBody : public FileBody {
public:
    MappedBody(void* address, size_t size) : address_(address), size_(size) {}
    ~MappedBody() override { ::munmap(address_, size_); }
    std::string_view bytes() const override {
        return std::string_view(static_cast<const char*>(address_), size_);
    }

private:
    void* address_;
    size_t size_;
};

}  // namespace

std::shared_ptr<const FileBody> make_memory_body(std::string bytes) {
    return std::make_shared<MemoryBody>(std::move(bytes));
}

FileBodyBuilder::~FileBodyBuilder() {
    if (spill_fd_ >= 0) ::close(spill_fd_);
}

Status FileBodyBuilder::spill() {
    auto dir = private_temp_dir();
    if (!dir) return dir.error();
    std::string pattern = (*dir / "body.XXXXXX").string();
    spill_fd_ = ::mkstemp(pattern.data());
    if (spill_fd_ < 0)
        return Error{fmt::format("{}: cannot create a temp file: {}", description_, std::strerror(errno))};
    ::unlink(pattern.c_str());  // lives only as long as the descriptor and the mapping
    return append(nullptr, 0);
}

Status FileBodyBuilder::append(const char* data, size_t size) {
    if (spill_fd_ < 0) {
        memory_.append(data, size);
        if (memory_.size() <= kSpillThreshold) return Status::Ok();
        std::string pending = std::move(memory_);
        memory_.clear();
        if (Status status = spill(); !status.ok()) return status;
        return append(pending.data(), pending.size());
    }
    while (size > 0) {
        ssize_t wrote = ::write(spill_fd_, data, size);
        if (wrote < 0) {
            if (errno == EINTR) continue;
            return Error{fmt::format("{}: cannot write temp file: {}", description_, std::strerror(errno))};
        }
        data += wrote;
        size -= static_cast<size_t>(wrote);
        spilled_bytes_ += static_cast<size_t>(wrote);
    }
    return Status::Ok();
}

Result<std::shared_ptr<const FileBody>> FileBodyBuilder::finish() {
    if (spill_fd_ < 0) return make_memory_body(std::move(memory_));
    void* address = ::mmap(nullptr, spilled_bytes_, PROT_READ, MAP_PRIVATE, spill_fd_, 0);
    ::close(spill_fd_);
    spill_fd_ = -1;
    if (address == MAP_FAILED)
        return Error{fmt::format("{}: cannot map temp file: {}", description_, std::strerror(errno))};
    return std::shared_ptr<const FileBody>(std::make_shared<MappedBody>(address, spilled_bytes_));
}

}  // namespace moat
