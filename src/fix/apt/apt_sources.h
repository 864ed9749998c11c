// apt's repository list: the one-line sources.list format and deb822 .sources stanzas, read
// from an image's root filesystem or from --repo lines, as (URI, suite, components) triples.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace moat::fix {

struct AptSource {
    std::string uri;    // without a trailing '/'
    std::string suite;  // "bookworm-security"; a flat repository ends in '/'
    std::vector<std::string> components;
};

// One-line format: "deb [opt=val ...] URI SUITE [COMPONENT...]"; comments, deb-src and blank
// lines skipped. The leading "deb" may be omitted (for --repo).
std::vector<AptSource> parse_one_line_sources(std::string_view text);

// deb822 format: blank-line separated stanzas with Types/URIs/Suites/Components/Enabled.
std::vector<AptSource> parse_deb822_sources(std::string_view text);

// The image's sources: etc/apt/sources.list, etc/apt/sources.list.d/*.list and *.sources.
std::vector<AptSource> read_image_sources(const std::filesystem::path& rootfs);

// --repo values: each a one-line entry or a deb822 stanza (detected by a "URIs:" field).
std::vector<AptSource> parse_repo_arguments(const std::vector<std::string>& repos);

}  // namespace moat::fix
