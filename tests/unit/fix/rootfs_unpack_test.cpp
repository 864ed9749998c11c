// Unpacking layers into a root filesystem: whiteouts and opaque directories applied, and hostile
// entries (".." paths, symlinks out of the root, hard links outside) never write outside it.
#include "fix/rootfs_unpack.h"

#include <gtest/gtest.h>

#include "fix_test_tree.h"

namespace moat::fix {
namespace {

namespace fs = std::filesystem;
using moat::testing::read_file;
using moat::testing::ScratchDir;
using moat::testing::TarMember;
using moat::testing::write_tar;

Status apply(const fs::path& tar, const fs::path& root) {
    auto source = open_file_source(tar, tar.filename().string());
    if (!source) return source.error();
    auto stream = TarStream::open(std::move(*source), "");
    if (!stream) return stream.error();
    UnpackReport report;
    return apply_layer(**stream, root, report);
}

TEST(RootfsUnpack, AppliesWhiteoutsAndOpaqueDirectories) {
    ScratchDir scratch;
    fs::path root = scratch.path() / "root";
    fs::create_directories(root);
    write_tar(scratch.path() / "1.tar", {{"etc/", 'd'},
                                         {"etc/a", 'f', "a"},
                                         {"etc/b", 'f', "b"},
                                         {"d/", 'd'},
                                         {"d/one", 'f', "1"},
                                         {"bin/sh", 'f', "shell", 0755}});
    write_tar(scratch.path() / "2.tar", {{"etc/.wh.a", 'f'},
                                         {"d/.wh..wh..opq", 'f'},
                                         {"d/two", 'f', "2"},
                                         {"bin/dash", 'h', "bin/sh"}});
    ASSERT_TRUE(apply(scratch.path() / "1.tar", root).ok());
    Status second = apply(scratch.path() / "2.tar", root);
    ASSERT_TRUE(second.ok()) << second.message();
    EXPECT_FALSE(fs::exists(root / "etc/a"));
    EXPECT_EQ(read_file(root / "etc/b"), "b");
    EXPECT_FALSE(fs::exists(root / "d/one"));
    EXPECT_EQ(read_file(root / "d/two"), "2");
    EXPECT_TRUE(fs::equivalent(root / "bin/dash", root / "bin/sh"));
    EXPECT_EQ(fs::status(root / "bin/sh").permissions(), fs::perms(0755));
}

TEST(RootfsUnpack, SymlinksResolveInsideTheRoot) {
    ScratchDir scratch;
    fs::path root = scratch.path() / "root", outside = scratch.path() / "outside";
    fs::create_directories(root);
    fs::create_directories(outside);
    write_tar(scratch.path() / "1.tar",
              {{"escape", 'l', "/"}, {"up", 'l', "../../.."}, {"sib", 'l', "../outside"}});
    write_tar(scratch.path() / "2.tar",
              {{"escape/etc/planted", 'f', "x"}, {"up/planted", 'f', "y"}});
    // "sib" points at root/outside, which does not exist: refused or written inside, never beside.
    write_tar(scratch.path() / "3.tar", {{"sib/planted", 'f', "z"}});
    ASSERT_TRUE(apply(scratch.path() / "1.tar", root).ok());
    Status second = apply(scratch.path() / "2.tar", root);
    ASSERT_TRUE(second.ok()) << second.message();
    EXPECT_EQ(read_file(root / "etc/planted"), "x");
    EXPECT_EQ(read_file(root / "planted"), "y");
    (void)apply(scratch.path() / "3.tar", root);
    EXPECT_TRUE(fs::is_empty(outside));
    EXPECT_FALSE(fs::exists("/etc/planted"));
}

TEST(RootfsUnpack, RefusesPathsAndHardLinksThatClimbOut) {
    ScratchDir scratch;
    fs::path root = scratch.path() / "root";
    fs::create_directories(root);
    moat::testing::write_file(scratch.path() / "secret", "secret");
    write_tar(scratch.path() / "dotdot.tar", {{"../evil", 'f', "x"}});
    write_tar(scratch.path() / "link.tar", {{"stolen", 'h', "../secret"}});
    Status dotdot = apply(scratch.path() / "dotdot.tar", root);
    EXPECT_FALSE(dotdot.ok());
    EXPECT_NE(dotdot.message().find("above the image root"), std::string::npos) << dotdot.message();
    EXPECT_FALSE(fs::exists(scratch.path() / "evil"));
    EXPECT_FALSE(apply(scratch.path() / "link.tar", root).ok());
    EXPECT_FALSE(fs::exists(root / "stolen"));
}

TEST(RootfsUnpack, ReplacesASymlinkInsteadOfWritingThroughIt) {
    ScratchDir scratch;
    fs::path root = scratch.path() / "root";
    fs::create_directories(root);
    moat::testing::write_file(scratch.path() / "target", "untouched");
    write_tar(scratch.path() / "1.tar", {{"file", 'l', (scratch.path() / "target").string()}});
    write_tar(scratch.path() / "2.tar", {{"file", 'f', "new"}});
    ASSERT_TRUE(apply(scratch.path() / "1.tar", root).ok());
    ASSERT_TRUE(apply(scratch.path() / "2.tar", root).ok());
    EXPECT_EQ(read_file(scratch.path() / "target"), "untouched");
    EXPECT_FALSE(fs::is_symlink(root / "file"));
    EXPECT_EQ(read_file(root / "file"), "new");
}

}  // namespace
}  // namespace moat::fix
