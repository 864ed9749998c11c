// Bodies of captured files. Small ones live in memory; large ones (rpm databases can be
// 100 MB) spill to an unlinked file in moat's private temp dir and are mapped, so peak memory
// stays bounded whatever the image holds.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "util/result.h"

namespace moat {

class FileBody {
public:
    virtual ~FileBody() = default;
    virtual std::string_view bytes() const = 0;
};

class FileBodyBuilder {
public:
    static constexpr size_t kSpillThreshold = 8 << 20;
    explicit FileBodyBuilder(std::string description) : description_(std::move(description)) {}
    ~FileBodyBuilder();
    FileBodyBuilder(const FileBodyBuilder&) = delete;
    FileBodyBuilder& operator=(const FileBodyBuilder&) = delete;

    // The body's size when known in advance (tar headers say it): one allocation, no regrowth.
    void expect(uint64_t size) {
        if (size <= kSpillThreshold) memory_.reserve(size);
    }
    Status append(const char* data, size_t size);
    Result<std::shared_ptr<const FileBody>> finish();

private:
    Status spill();
    std::string description_;
    std::string memory_;
    int spill_fd_ = -1;
    size_t spilled_bytes_ = 0;
};

std::shared_ptr<const FileBody> make_memory_body(std::string bytes);

}  // namespace moat
