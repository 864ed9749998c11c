#include "image/path.h"

#include <vector>

namespace moat {
namespace {

// Splits on '/', applies "." and "..". With clamp_at_root, ".." at the root is dropped;
// otherwise it makes the whole path invalid.
std::optional<std::string> normalize(std::string_view path, bool clamp_at_root) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view part = path.substr(start, end - start);
        if (part == "..") {
            if (!parts.empty())
                parts.pop_back();
            else if (!clamp_at_root)
                return std::nullopt;
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        start = end + 1;
    }
    std::string out;
    for (auto part : parts) {
        if (!out.empty()) out.push_back('/');
        out.append(part);
    }
    return out;
}

}  // namespace

// True when every component of `path` is a plain name (no "", "." or ".."), so normalising
// would return it unchanged.
static bool already_normal(std::string_view path) {
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view part = path.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = end + 1;
    }
    return true;
}

std::optional<std::string> normalize_image_path(std::string_view path) {
    std::string_view trimmed = path;
    while (trimmed.starts_with("./")) trimmed.remove_prefix(2);
    if (!trimmed.empty() && trimmed.back() == '/') trimmed.remove_suffix(1);
    if (!trimmed.empty() && already_normal(trimmed)) return std::string(trimmed);
    return normalize(path, false);
}

std::string resolve_link_target(std::string_view link_path, std::string_view target) {
    std::string joined;
    if (!target.empty() && target.front() == '/') {
        joined = target;
    } else {
        joined = std::string(parent_path(link_path));
        joined += '/';
        joined += target;
    }
    return *normalize(joined, true);
}

std::string_view parent_path(std::string_view path) {
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::string_view base_name(std::string_view path) {
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace moat
