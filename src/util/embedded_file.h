// Files built into the moat binary (cmake/EmbedFiles.cmake): the vulnerability sample, the
// built-in malware rules.
#pragma once

namespace moat {

struct EmbeddedFile {
    const char* path;  // relative to the embedded directory ("Debian/all.zip", "builtin.yar")
    const char* begin;
    const char* end;
};

}  // namespace moat
