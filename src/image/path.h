// Normalisation of paths found inside images: relative to the image root, no leading '/',
// no "." or empty components, ".." resolved lexically and never above the root.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moat {

// "./usr//lib/../bin/" -> "usr/bin"; "/" or "." -> "". Returns nullopt when ".." would climb
// above the root ("../../etc/passwd"): such entries are refused, not clamped.
std::optional<std::string> normalize_image_path(std::string_view path);

// Joins a symlink target to the directory holding the link and normalises it; absolute targets
// are taken relative to the image root, and ".." stops at the root (as the kernel does in a
// chroot), so the result always stays inside the image.
std::string resolve_link_target(std::string_view link_path, std::string_view target);

std::string_view parent_path(std::string_view path);
std::string_view base_name(std::string_view path);

}  // namespace moat
