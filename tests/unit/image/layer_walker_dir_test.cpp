// dir: sources and executable ELF capture: a copied tree may have lost its modes, so an ELF
// program is captured without an x bit, but a shared library only with one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "image/layer_walker.h"

namespace moat {
namespace {

namespace fs = std::filesystem;

// A little-endian ELF64 header of type `type` (2 EXEC, 3 DYN), with one program header of
// type `segment` (3 = PT_INTERP), padded to `size` bytes.
std::string elf64(uint16_t type, uint32_t segment, size_t size = 4096) {
    std::string bytes(size, '\0');
    bytes.replace(0, 7, std::string("\x7f" "ELF\x02\x01\x01", 7));
    auto put = [&](size_t at, uint64_t value, size_t width) {
        for (size_t i = 0; i < width; ++i) bytes[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
    };
    put(0x10, type, 2);
    put(0x20, 0x40, 8);  // e_phoff
    put(0x36, 56, 2);    // e_phentsize
    put(0x38, 1, 2);     // e_phnum
    put(0x40, segment, 4);
    return bytes;
}

TEST(LayerWalkerDirectory, ElfProgramsWithoutXBitButSharedLibrariesOnlyWithIt) {
    const fs::path root = fs::temp_directory_path() / ("moat-walker-" + std::to_string(::getpid()));
    fs::create_directories(root);
    auto write = [&](const std::string& name, const std::string& bytes, fs::perms perms) {
        std::ofstream(root / name, std::ios::binary) << bytes;
        fs::permissions(root / name, perms);
    };
    const auto read_only = fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read;
    const auto executable = read_only | fs::perms::owner_exec;
    write("static-program", elf64(2, 1), read_only);
    write("pie-program", elf64(3, 3), read_only);
    write("libshared.so.1", elf64(3, 1), read_only);
    write("libexec.so", elf64(3, 1), executable);
    write("truncated", std::string("\x7f" "ELF", 4), read_only);
    write("script", "#!/bin/sh\necho hi\n", executable);

    PathInterest interest;
    interest.elf_executables = true;
    const PathMatcher matcher({interest});
    const LayerWalker walker(matcher, [](std::string_view) { return false; });
    auto capture = walker.walk_directory(root, "test dir");
    fs::remove_all(root);
    ASSERT_TRUE(capture.ok()) << capture.error().message;
    std::set<std::string> captured;
    for (const auto& [path, node] : capture->nodes)
        if (node.body) captured.insert(path);
    EXPECT_EQ(captured, (std::set<std::string>{"static-program", "pie-program", "libexec.so"}));
}

}  // namespace
}  // namespace moat
