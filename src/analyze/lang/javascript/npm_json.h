// Pieces the npm lock parser and the installed package.json reader share: a bounded simdjson
// parse, license fields in their historical shapes, and npm's package-name rule.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::npm {

// Deep enough for any real v1 lock (each nested node_modules level costs two), shallow enough
// that hostile nesting stops in the parser.
constexpr size_t kMaxJsonDepth = 512;

// Parses `text` into `parser`, whose lifetime bounds the returned element. On damage (invalid
// JSON, too deep, not UTF-8) returns nullopt and says why in `warnings`.
std::optional<simdjson::dom::element> parse_json(simdjson::dom::parser& parser, std::string_view text,
                                                 std::vector<std::string>& warnings);

// License names from a package's "license" (or legacy "licenses") value: a string, an object
// {"type": ...}, or an array of either. Empty strings and objects without a string "type" are
// dropped; anything else (numbers, null) yields nothing.
std::vector<std::string> licenses_of(simdjson::dom::element value);

// The string value of `object[key]`, or nullopt when absent or not a string.
std::optional<std::string_view> string_field(simdjson::dom::object object, std::string_view key);

// True when `object[key]` is the JSON literal true.
bool true_field(simdjson::dom::object object, std::string_view key);

// Whether `name` has the shape of an npm package name: "name" or "@scope/name", no other '/',
// no leading '.', no spaces or control characters, at most 214 bytes. Keys of a lock file that
// fail this (a path such as "node_modules/x" in a v1 map) are not packages.
bool is_package_name(std::string_view name);

// `text` for a warning: at most 80 bytes, control bytes as '?', so that hostile keys stay short.
std::string excerpt(std::string_view text);

}  // namespace moat::npm
