// Text helpers shared by the Python package parsers: files arrive as raw bytes in whatever
// encoding a tool wrote them (requirements.txt saved as UTF-16 on Windows, METADATA with
// Latin-1 descriptions), and every string we report must be valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace moat::python {

// The text as UTF-8: a UTF-8 byte order mark is dropped, UTF-16LE/BE with a byte order mark
// is transcoded (unpaired surrogates become U+FFFD); anything else is returned unchanged.
std::string decode_bom_text(std::string_view bytes);

// `text` with every byte sequence that is not valid UTF-8 replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

std::string_view trim(std::string_view text);

// A PEP 508 distribution name: ASCII letters, digits, '.', '_', '-', starting and ending with
// a letter or digit.
bool is_distribution_name(std::string_view name);

// A plausible pinned version: ASCII letters, digits and . _ - + ! with at least one digit; no
// spaces, quotes, wildcards or specifier characters (PEP 440 versions, and the legacy ones
// `===` allows, fit).
bool is_pinned_version(std::string_view version);

}  // namespace moat::python
