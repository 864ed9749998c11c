// The names accounts and namespaces may have, and the tag patterns of immutability rules:
// validated once here so every entry point (API, flags, store) refuses the same inputs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moat::registry {

// Lowercase [a-z0-9._-], 1..64 characters, starting and ending with a letter or digit (so "."
// and ".." and names that are not a valid first repository path component are refused).
// Returns the reason when `name` is not valid; `what` is "namespace" or "user".
std::optional<std::string> invalid_account_name(std::string_view name, std::string_view what);

// A repository's namespace: its first path component.
std::string_view namespace_of(std::string_view repository);

// Tag patterns: 1..128 characters of a tag ([A-Za-z0-9_.-]) plus the wildcards '*' (any run)
// and '?' (one character). Returns the reason when `pattern` is not valid.
std::optional<std::string> invalid_tag_pattern(std::string_view pattern);
// Whether `tag` matches the glob `pattern`; linear in |tag|*|pattern| at worst (no backtracking blowup).
bool tag_matches(std::string_view pattern, std::string_view tag);

}  // namespace moat::registry
