#include "image/image_reference.h"

#include <cctype>

#include <fmt/format.h>

#include "image/digest.h"

namespace moat {

namespace {

bool looks_like_host(std::string_view component) {
    return component.find('.') != std::string_view::npos || component.find(':') != std::string_view::npos ||
           component == "localhost";
}

// Repository path components: lowercase alphanumerics separated by '.', '_', '__' or '-' runs,
// as the distribution spec's name grammar has them; enough to refuse paths and URLs.
bool valid_repository(std::string_view name) {
    if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/') return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/'))
            return false;
    return name.find("//") == std::string_view::npos && name.find("..") == std::string_view::npos;
}

}  // namespace

std::string ImageReference::to_string() const {
    std::string out = registry + "/" + repository;
    if (!tag.empty()) out += ":" + tag;
    if (!digest.empty()) out += "@" + digest;
    return out;
}

bool names_registry_host(std::string_view text) {
    size_t slash = text.find('/');
    return slash != std::string_view::npos && slash > 0 && looks_like_host(text.substr(0, slash));
}

Result<ImageReference> parse_image_reference(std::string_view text) {
    auto invalid = [&](std::string_view why) {
        return Error{fmt::format("{}: not an image reference ({})", text, why)};
    };
    if (text.empty() || text.size() > 1024) return invalid("empty or too long");
    ImageReference reference;
    std::string_view rest = text;
    if (size_t at = rest.find('@'); at != std::string_view::npos) {
        reference.digest = std::string(rest.substr(at + 1));
        rest = rest.substr(0, at);
        if (!is_sha256_digest(reference.digest)) return invalid("the digest is not sha256:<64 hex>");
    }
    size_t slash = rest.find('/');
    if (slash != std::string_view::npos && looks_like_host(rest.substr(0, slash))) {
        reference.registry = std::string(rest.substr(0, slash));
        rest = rest.substr(slash + 1);
    } else {
        reference.registry = "docker.io";
    }
    size_t last_slash = rest.rfind('/');
    size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
        reference.tag = std::string(rest.substr(colon + 1));
        rest = rest.substr(0, colon);
        if (reference.tag.empty() || reference.tag.size() > 128) return invalid("empty or overlong tag");
        for (char c : reference.tag)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
                return invalid("the tag may hold letters, digits, '_', '.' and '-' only");
    }
    if (rest.empty()) return invalid("no repository name");
    reference.repository = std::string(rest);
    if (!valid_repository(reference.repository)) return invalid("the repository name is not valid");
    if (reference.registry == "docker.io" && reference.repository.find('/') == std::string::npos)
        reference.repository = "library/" + reference.repository;
    if (reference.tag.empty() && reference.digest.empty()) reference.tag = "latest";
    return reference;
}

}  // namespace moat
