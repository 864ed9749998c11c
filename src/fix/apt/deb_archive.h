// A .deb package file: the ar archive with debian-binary, control.tar.* and data.tar.*, read with
// libarchive; its control fields, and a check that its data tarball cannot write outside the
// root it is unpacked into.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "util/result.h"

namespace moat::fix {

struct DebInfo {
    std::map<std::string, std::string> control;  // "Package" -> "libssl3", ...
    std::string data_member;                    // "data.tar.xz"
    std::size_t data_entries = 0;
};

struct DebCheckOptions {
    // Debian packages do ship absolute symlinks (openssl: usr/lib/ssl/certs -> /etc/ssl/certs),
    // which are harmless when resolved inside the image root; turn this off to refuse them.
    bool allow_absolute_symlinks = true;
};

// Reads the control fields and walks the data tarball, refusing (with the package and entry
// named) absolute or `..` paths, symlinks that escape the root, hard links to outside, device
// nodes, FIFOs and sockets, and oversized or malformed members.
Result<DebInfo> read_and_validate_deb(const std::filesystem::path& file, const DebCheckOptions& options = {});

// The same on a .deb held in memory (for the fuzzer and tests).
Result<DebInfo> read_and_validate_deb_memory(const void* data, std::size_t size, const std::string& label,
                                             const DebCheckOptions& options = {});

// Parses a control file's fields (continuation lines joined with '\n').
std::map<std::string, std::string> parse_control_fields(std::string_view text);

}  // namespace moat::fix
