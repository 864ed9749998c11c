#include "analyze/lang/python/python_egg.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <memory>

namespace moat {
namespace {

// Core metadata is small; a PKG-INFO that inflates past this is a zip bomb, not metadata.
constexpr size_t kMaxPkgInfoBytes = 8u << 20;
// An egg holds a few hundred files; a central directory of millions is hostile.
constexpr size_t kMaxEntries = 100000;

}  // namespace

std::optional<std::string> read_egg_pkg_info(std::string_view egg, std::vector<std::string>& warnings) {
    std::unique_ptr<archive, int (*)(archive*)> reader(archive_read_new(), archive_read_free);
    if (!reader) return std::nullopt;
    archive_read_support_format_zip(reader.get());
    if (archive_read_open_memory(reader.get(), egg.data(), egg.size()) != ARCHIVE_OK) {
        warnings.push_back(fmt::format("not a zip file: {}", archive_error_string(reader.get())
                                                                ? archive_error_string(reader.get())
                                                                : "unreadable"));
        return std::nullopt;
    }
    for (size_t entries = 0; entries < kMaxEntries; ++entries) {
        archive_entry* entry = nullptr;
        const int status = archive_read_next_header(reader.get(), &entry);
        if (status == ARCHIVE_EOF) break;
        if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
            warnings.push_back("corrupt zip file; EGG-INFO/PKG-INFO not found");
            return std::nullopt;
        }
        const char* name = archive_entry_pathname(entry);
        if (!name || std::string_view(name) != "EGG-INFO/PKG-INFO") continue;
        std::string body;
        char buffer[1 << 14];
        for (;;) {
            const la_ssize_t got = archive_read_data(reader.get(), buffer, sizeof buffer);
            if (got < 0) {
                warnings.push_back("corrupt EGG-INFO/PKG-INFO entry");
                return std::nullopt;
            }
            if (got == 0) break;
            if (body.size() + static_cast<size_t>(got) > kMaxPkgInfoBytes) {
                warnings.push_back(fmt::format("EGG-INFO/PKG-INFO expands past {} bytes", kMaxPkgInfoBytes));
                return std::nullopt;
            }
            body.append(buffer, static_cast<size_t>(got));
        }
        return body;
    }
    warnings.push_back("no EGG-INFO/PKG-INFO in the egg");
    return std::nullopt;
}

}  // namespace moat
