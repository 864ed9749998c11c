// Downloads from apt repositories with libcurl (timeouts, size caps) into files, SHA-256 of
// files, and decompression of .xz/.gz indexes with libarchive.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "util/result.h"

namespace moat::fix {

// GET `url` into `file` (replaced), refusing bodies over `max_bytes` and non-2xx answers.
Status download_file(const std::string& url, const std::filesystem::path& file, std::uint64_t max_bytes);

// Lowercase hex SHA-256 of a file's contents.
Result<std::string> sha256_file(const std::filesystem::path& file);

// Decompresses a raw .xz or .gz file (or reads a plain one) into memory, up to `max_bytes`.
Result<std::string> decompress_file(const std::filesystem::path& file, std::uint64_t max_bytes);

}  // namespace moat::fix
