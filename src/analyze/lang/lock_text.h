// Helpers shared by the Ruby, PHP and .NET readers: turning the bytes of a lock or metadata file
// into UTF-8 text, and reading JSON with bounded nesting while keeping only the members a reader
// needs (so memory follows what is used, not what an attacker wrote).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/file_view.h"
#include "inventory/package.h"

namespace moat {

// The text of `bytes` as UTF-8: a UTF-8 byte-order mark is dropped, UTF-16 (LE or BE, with a
// byte-order mark, as Windows editors write packages.config) is converted; other bytes are
// returned unchanged. Unpaired UTF-16 surrogates become U+FFFD.
std::string decode_lock_text(std::string_view bytes);

// Appends `code_point` to `out` encoded as UTF-8.
void append_utf8(std::string& out, uint32_t code_point);

// Decides whether to keep an object member; `depth` counts the objects and arrays around it
// (1 = a member of the top-level object; a member of an object in a top-level array is at 2).
using JsonMemberFilter = std::function<bool(int depth, std::string_view key)>;

// Parses `text` as JSON keeping only the members `keep` accepts. Input nested deeper than
// `max_depth` is refused before parsing. On failure, a warning is added and nullopt returned.
std::optional<nlohmann::json> parse_bounded_json(std::string_view text,
                                                 const JsonMemberFilter& keep,
                                                 std::vector<std::string>& warnings,
                                                 int max_depth = 64);

// The string `value` holds, or "" when it is absent or not a string.
std::string json_string(const nlohmann::json& object, std::string_view key);

// A parse function of one lock or metadata format (packages without path or layer).
using LockFileParser =
    std::function<std::vector<Package>(std::string_view text, std::vector<std::string>& warnings)>;

// Every captured file whose path `match` accepts, decoded (decode_lock_text) and parsed: the
// packages get the file's path and layer, the parser's warnings are prefixed with the path.
std::vector<Package> read_lock_files(const FileView& files,
                                     const std::function<bool(std::string_view)>& match,
                                     const LockFileParser& parse,
                                     std::vector<std::string>& warnings);

}  // namespace moat
