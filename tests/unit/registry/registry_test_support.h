// Unit-test helpers for the registry: an in-memory request body and a data directory.
#pragma once

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include "registry/http/http_message.h"

namespace moat::registry::testing {

// A request body served from a string, in reads of at most `step` bytes.
class StringBody final : public RequestBody {
public:
    explicit StringBody(std::string bytes, bool declare_length = true, size_t step = 1000)
        : bytes_(std::move(bytes)), declare_(declare_length), step_(step) {}
    Result<size_t> read(char* buffer, size_t capacity) override {
        size_t n = std::min({capacity, step_, bytes_.size() - offset_});
        std::memcpy(buffer, bytes_.data() + offset_, n);
        offset_ += n;
        return n;
    }
    std::optional<uint64_t> declared_length() const override {
        if (!declare_) return std::nullopt;
        return bytes_.size();
    }

private:
    std::string bytes_;
    size_t offset_ = 0;
    bool declare_;
    size_t step_;
};

// A body that fails after `good` bytes, as when a client goes away mid-upload.
class BrokenBody final : public RequestBody {
public:
    explicit BrokenBody(std::string good) : good_(std::move(good)) {}
    Result<size_t> read(char* buffer, size_t capacity) override {
        if (offset_ == good_.size()) return Error{"peer went away"};
        size_t n = std::min(capacity, good_.size() - offset_);
        std::memcpy(buffer, good_.data() + offset_, n);
        offset_ += n;
        return n;
    }
    std::optional<uint64_t> declared_length() const override { return good_.size() * 2; }

private:
    std::string good_;
    size_t offset_ = 0;
};

class TempDataDir {
public:
    TempDataDir() {
        std::mt19937_64 random{std::random_device{}()};
        path_ = std::filesystem::temp_directory_path() / ("moat-registry-test-" + std::to_string(random()));
        std::filesystem::create_directories(path_);
    }
    ~TempDataDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace moat::registry::testing
