// The one new layer of `moat fix`: what changed in a root filesystem between two snapshots, with
// whiteouts for removals, reproducible bytes, and a round trip back onto the old tree.
#include "fix/layer_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "fix/rootfs_snapshot.h"
#include "fix/rootfs_unpack.h"
#include "fix_test_tree.h"
#include "image/digest.h"

namespace moat::fix {
namespace {

namespace fs = std::filesystem;
using moat::testing::read_file;
using moat::testing::read_tar;
using moat::testing::ScratchDir;
using moat::testing::write_file;

void make_base_tree(const fs::path& root) {
    write_file(root / "etc/keep.conf", "keep\n");
    write_file(root / "etc/old.conf", "old\n");
    write_file(root / "usr/lib/libfoo.so.1", "version one\n");
    fs::create_symlink("libfoo.so.1", root / "usr/lib/libfoo.so");
    write_file(root / "opt/tree/a/b.txt", "b\n");
    write_file(root / "opt/tree/c.txt", "c\n");
    write_file(root / "var/untouched", "same\n");
}

// What dpkg would do: replace a file by a new one (new inode), add, repoint, remove.
void upgrade_tree(const fs::path& root) {
    write_file(root / "usr/lib/libfoo.so.1.new", "version one, patched\n");
    fs::rename(root / "usr/lib/libfoo.so.1.new", root / "usr/lib/libfoo.so.1");
    write_file(root / "usr/lib/libfoo.so.2", "version two\n");
    fs::remove(root / "usr/lib/libfoo.so");
    fs::create_symlink("libfoo.so.2", root / "usr/lib/libfoo.so");
    fs::remove(root / "etc/old.conf");
    fs::remove_all(root / "opt/tree");
    fs::permissions(root / "etc/keep.conf", fs::perms(0600));
    fs::create_directories(root / "srv/data");
    write_file(root / "tmp/moat-fix/pkg.deb", "copied package\n");  // transient
}

struct Written {
    RootfsSnapshot before, after;
    RootfsDiff diff;
    WrittenLayer layer;
};

Written snapshot_upgrade_and_write(const fs::path& root, const fs::path& out) {
    Written result;
    result.before = *take_snapshot(root, is_transient_path);
    upgrade_tree(root);
    result.after = *take_snapshot(root, is_transient_path);
    result.diff = diff_snapshots(result.before, result.after);
    auto layer = write_diff_layer(root, result.diff, result.after, out);
    EXPECT_TRUE(layer.ok()) << (layer.ok() ? "" : layer.error().message);
    if (layer) result.layer = *layer;
    return result;
}

TEST(LayerWriter, HoldsOnlyWhatChangedWithWhiteoutsForRemovals) {
    ScratchDir scratch;
    fs::path root = scratch.path() / "rootfs";
    make_base_tree(root);
    Written written = snapshot_upgrade_and_write(root, scratch.path() / "layer.tar.gz");

    std::map<std::string, moat::testing::TarMember> entries;
    std::vector<std::string> order;
    for (auto& [path, member] : read_tar(written.layer.file)) {
        order.push_back(path);
        entries[path] = member;
    }
    EXPECT_EQ(entries["usr/lib/libfoo.so.1"].body_or_target, "version one, patched\n");
    EXPECT_EQ(entries["usr/lib/libfoo.so.2"].body_or_target, "version two\n");
    EXPECT_EQ(entries["usr/lib/libfoo.so"].type, 'l');
    EXPECT_EQ(entries["usr/lib/libfoo.so"].body_or_target, "libfoo.so.2");
    EXPECT_EQ(entries["etc/keep.conf"].mode & 07777, 0600u);
    EXPECT_EQ(entries["srv/data/"].type, 'd');
    // One whiteout per removed path, the directory's covering its whole subtree.
    EXPECT_TRUE(entries.count("etc/.wh.old.conf"));
    EXPECT_TRUE(entries.count("opt/.wh.tree"));
    EXPECT_FALSE(entries.count("opt/tree/.wh.c.txt"));
    // Unchanged files and moat's own scratch files stay out.
    EXPECT_FALSE(entries.count("var/untouched"));
    EXPECT_FALSE(entries.count("tmp/moat-fix/pkg.deb"));
    EXPECT_FALSE(entries.count("tmp/moat-fix/"));
    EXPECT_EQ(written.layer.entries, order.size());
    // Parents come before their children.
    auto position = [&](const std::string& path) {
        return std::find(order.begin(), order.end(), path) - order.begin();
    };
    EXPECT_LT(position("usr/"), position("usr/lib/"));
    EXPECT_LT(position("usr/lib/"), position("usr/lib/libfoo.so.1"));
    EXPECT_EQ(written.layer.digest, sha256_digest(read_file(written.layer.file)));
}

TEST(LayerWriter, AppliedOnTheOldTreeGivesTheNewTree) {
    ScratchDir scratch;
    fs::path root = scratch.path() / "rootfs", replay = scratch.path() / "replay";
    make_base_tree(root);
    make_base_tree(replay);
    Written written = snapshot_upgrade_and_write(root, scratch.path() / "layer.tar.gz");

    auto source = open_file_source(written.layer.file, "layer");
    ASSERT_TRUE(source.ok());
    auto stream = TarStream::open(std::move(*source), written.layer.digest);
    ASSERT_TRUE(stream.ok());
    UnpackReport report;
    Status applied = apply_layer(**stream, replay, report);
    ASSERT_TRUE(applied.ok()) << applied.message();

    auto replayed = *take_snapshot(replay, is_transient_path);
    std::vector<std::string> want, got;
    for (const auto& [path, state] : written.after) want.push_back(path);
    for (const auto& [path, state] : replayed) got.push_back(path);
    EXPECT_EQ(got, want);
    EXPECT_EQ(read_file(replay / "usr/lib/libfoo.so.1"), "version one, patched\n");
    EXPECT_EQ(fs::read_symlink(replay / "usr/lib/libfoo.so"), "libfoo.so.2");
    EXPECT_FALSE(fs::exists(replay / "opt/tree"));
    EXPECT_EQ(fs::status(replay / "etc/keep.conf").permissions(), fs::perms(0600));
}

TEST(LayerWriter, SameTreeGivesTheSameDigests) {
    ScratchDir scratch;
    fs::path root = scratch.path() / "rootfs";
    make_base_tree(root);
    Written written = snapshot_upgrade_and_write(root, scratch.path() / "one.tar.gz");
    auto again = write_diff_layer(root, written.diff, written.after, scratch.path() / "two.tar.gz");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->digest, written.layer.digest);
    EXPECT_EQ(again->diff_id, written.layer.diff_id);
    EXPECT_NE(written.layer.digest, written.layer.diff_id);  // the blob is compressed
}

TEST(RootfsDiff, UnchangedTreeHasNothingToWrite) {
    ScratchDir scratch;
    make_base_tree(scratch.path());
    auto before = *take_snapshot(scratch.path());
    auto after = *take_snapshot(scratch.path());
    RootfsDiff diff = diff_snapshots(before, after);
    EXPECT_TRUE(diff.written.empty());
    EXPECT_TRUE(diff.removed.empty());
}

TEST(RootfsDiff, DirectoryReplacedByFileNeedsNoWhiteoutsBelowIt) {
    ScratchDir scratch;
    write_file(scratch.path() / "data/inner/x", "x");
    auto before = *take_snapshot(scratch.path());
    fs::remove_all(scratch.path() / "data");
    write_file(scratch.path() / "data", "now a file");
    auto after = *take_snapshot(scratch.path());
    RootfsDiff diff = diff_snapshots(before, after);
    EXPECT_EQ(diff.written, std::vector<std::string>{"data"});
    EXPECT_TRUE(diff.removed.empty());
}

}  // namespace
}  // namespace moat::fix
