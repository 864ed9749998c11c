// Sequential byte streams that blobs are read from: a file, or a member of an outer archive
// (docker-archive layers). Every error names what was being read.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "util/result.h"

namespace moat {

class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Up to `size` bytes into `buffer`; 0 at the end of the stream.
    virtual Result<size_t> read(void* buffer, size_t size) = 0;
    // What is being read, for error messages ("oci:img blob sha256:ab…").
    virtual const std::string& description() const = 0;
};

Result<std::unique_ptr<ByteSource>> open_file_source(const std::filesystem::path& path,
                                                     std::string description);

// Reads a whole small file (manifests, configs), refusing anything over `max_bytes`.
Result<std::string> read_small_file(const std::filesystem::path& path, size_t max_bytes,
                                    const std::string& description);

}  // namespace moat
