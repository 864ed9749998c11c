#include "image/merged_view.h"

#include <gtest/gtest.h>

namespace moat {
namespace {

// One layer's capture, as LayerWalker would record it.
class Layer {
public:
    Layer& file(const std::string& path, std::string body) {
        LayerNode node;
        node.kind = EntryKind::Regular;
        node.body = make_memory_body(std::move(body));
        capture_.nodes.emplace_back(path, std::move(node));
        return *this;
    }
    Layer& uncaptured_file(const std::string& path) {  // recorded, body not read
        LayerNode node;
        node.kind = EntryKind::Regular;
        capture_.nodes.emplace_back(path, std::move(node));
        return *this;
    }
    Layer& directory(const std::string& path) { return add(path, EntryKind::Directory, ""); }
    Layer& symlink(const std::string& path, const std::string& target) {
        return add(path, EntryKind::Symlink, target);
    }
    Layer& hardlink(const std::string& path, const std::string& target) {
        return add(path, EntryKind::Hardlink, target);
    }
    Layer& whiteout(const std::string& path) {
        capture_.whiteouts.push_back(path);
        return *this;
    }
    Layer& opaque(const std::string& directory) {
        capture_.opaque_dirs.push_back(directory);
        return *this;
    }
    LayerCapture capture() const { return capture_; }

private:
    Layer& add(const std::string& path, EntryKind kind, const std::string& target) {
        LayerNode node;
        node.kind = kind;
        node.link_target = target;
        capture_.nodes.emplace_back(path, std::move(node));
        return *this;
    }
    LayerCapture capture_;
};

MergedView merge(const std::vector<Layer>& layers) {
    MergedView view;
    for (size_t i = 0; i < layers.size(); ++i) view.apply("sha256:layer" + std::to_string(i + 1), layers[i].capture());
    return view;
}

// The body at `path`, or "<absent>".
std::string body(const MergedView& view, std::string_view path) {
    auto content = view.read(path);
    return content ? std::string(content->bytes) : "<absent>";
}

TEST(MergedView, LaterLayerWinsAndNamesItsLayer) {
    auto view = merge({Layer().file("etc/os-release", "one").file("etc/hostname", "h"),
                       Layer().file("etc/os-release", "two")});
    auto content = view.read("etc/os-release");
    ASSERT_TRUE(content);
    EXPECT_EQ(content->bytes, "two");
    EXPECT_EQ(content->layer, "sha256:layer2");
    EXPECT_EQ(content->path, "etc/os-release");
    EXPECT_EQ(view.read("etc/hostname")->layer, "sha256:layer1");
    EXPECT_EQ(view.layer_digests(), (std::vector<std::string>{"sha256:layer1", "sha256:layer2"}));
}

TEST(MergedView, WhiteoutDeletesAFileOrATreeFromLowerLayers) {
    auto view = merge({Layer()
                           .file("etc/a", "a")
                           .file("etc/ab", "ab")
                           .file("etc/a.d/x", "x")
                           .file("opt/app/bin/tool", "t")
                           .file("opt/app2/keep", "k"),
                       Layer().whiteout("etc/a").whiteout("opt/app")});
    EXPECT_EQ(body(view, "etc/a"), "<absent>");
    EXPECT_EQ(body(view, "opt/app/bin/tool"), "<absent>");
    EXPECT_FALSE(view.contains("opt/app"));
    // Names that merely start with the deleted name stay.
    EXPECT_EQ(body(view, "etc/ab"), "ab");
    EXPECT_EQ(body(view, "etc/a.d/x"), "x");
    EXPECT_EQ(body(view, "opt/app2/keep"), "k");
}

TEST(MergedView, WhiteoutHidesOnlyLowerLayers) {
    // A layer that deletes a directory and recreates it keeps its own new contents.
    auto view = merge({Layer().file("etc/conf/old", "old"),
                       Layer().whiteout("etc/conf").directory("etc/conf").file("etc/conf/new", "new")});
    EXPECT_EQ(body(view, "etc/conf/old"), "<absent>");
    EXPECT_EQ(body(view, "etc/conf/new"), "new");
    // And a later layer can bring a deleted file back.
    auto again = merge({Layer().file("etc/os-release", "one"), Layer().whiteout("etc/os-release"),
                        Layer().file("etc/os-release", "three")});
    EXPECT_EQ(body(again, "etc/os-release"), "three");
}

TEST(MergedView, OpaqueDirectoryHidesLowerContentsButNotItsNeighbours) {
    auto view = merge({Layer()
                           .file("etc/os-release", "lower")
                           .file("etc/sub/deep", "deep")
                           .file("etcetera/keep", "keep")
                           .file("usr/lib/os-release", "usr"),
                       Layer().opaque("etc").directory("etc").file("etc/hostname", "upper")});
    EXPECT_EQ(body(view, "etc/os-release"), "<absent>");
    EXPECT_EQ(body(view, "etc/sub/deep"), "<absent>");
    EXPECT_EQ(body(view, "etc/hostname"), "upper");
    EXPECT_EQ(body(view, "etcetera/keep"), "keep");
    EXPECT_EQ(body(view, "usr/lib/os-release"), "usr");
}

TEST(MergedView, OpaqueRootHidesEverythingBelow) {
    auto view = merge({Layer().file("etc/os-release", "lower").file("bin/sh", "sh"),
                       Layer().opaque("").file("etc/os-release", "upper")});
    EXPECT_EQ(body(view, "etc/os-release"), "upper");
    EXPECT_EQ(body(view, "bin/sh"), "<absent>");
}

TEST(MergedView, RelativeAndAbsoluteSymlinksResolveInsideTheImage) {
    auto view = merge({Layer()
                           .file("usr/lib/os-release", "usr-lib")
                           .symlink("etc/os-release", "../usr/lib/os-release")
                           .symlink("etc/lsb-release", "/usr/lib/os-release")
                           .symlink("etc/escape", "../../../../../usr/lib/os-release")
                           .symlink("etc/absolute-escape", "/../../usr/lib/os-release")});
    for (auto path : {"etc/os-release", "etc/lsb-release", "etc/escape", "etc/absolute-escape"}) {
        SCOPED_TRACE(path);
        auto content = view.read(path);
        ASSERT_TRUE(content);
        EXPECT_EQ(content->bytes, "usr-lib");
        EXPECT_EQ(content->path, "usr/lib/os-release");  // where the body was found
    }
    EXPECT_EQ(view.resolve("etc/escape"), "usr/lib/os-release");
}

TEST(MergedView, SymlinkedDirectoriesAndChains) {
    auto view = merge({Layer()
                           .file("usr/lib/apk/db/installed", "db")
                           .symlink("lib", "usr/lib")
                           .symlink("root-link", "/")
                           .symlink("c1", "c2")
                           .symlink("c2", "/c3")
                           .symlink("c3", "lib/apk")
                           .symlink("usr/share/dir-up", "../lib")});
    EXPECT_EQ(body(view, "lib/apk/db/installed"), "db");
    EXPECT_EQ(body(view, "root-link/lib/apk/db/installed"), "db");
    EXPECT_EQ(body(view, "c1/db/installed"), "db");
    EXPECT_EQ(body(view, "usr/share/dir-up/apk/db/installed"), "db");
    EXPECT_EQ(view.resolve("c1/db/installed"), "usr/lib/apk/db/installed");
}

TEST(MergedView, LongChainsResolveAndLoopsEndWithoutAnAnswer) {
    Layer chain;
    chain.file("target", "end");
    for (int i = 0; i < 30; ++i) chain.symlink("link" + std::to_string(i), i == 29 ? "target" : "link" + std::to_string(i + 1));
    chain.symlink("a", "b").symlink("b", "a").symlink("self", "/self").symlink("dir-loop", "dir-loop/x");
    chain.symlink("into-loop", "a/os-release");
    auto view = merge({chain});
    EXPECT_EQ(body(view, "link0"), "end");
    for (auto path : {"a", "b", "self", "dir-loop", "into-loop", "a/b/c"}) {
        SCOPED_TRACE(path);
        EXPECT_EQ(view.resolve(path), std::nullopt);
        EXPECT_EQ(body(view, path), "<absent>");
    }
}

TEST(MergedView, SymlinksGrowingAtEachHopStillStop) {
    // Each hop appends to the path: without a hop limit this would grow forever.
    auto view = merge({Layer().symlink("x", "x/x/x/x/x/x/x/x")});
    EXPECT_EQ(view.resolve("x/y"), std::nullopt);
}

TEST(MergedView, HardLinksShareTheBodyOfTheirTarget) {
    auto view = merge({Layer().file("usr/bin/perl5.36", "perl").hardlink("usr/bin/perl", "usr/bin/perl5.36")});
    auto content = view.read("usr/bin/perl");
    ASSERT_TRUE(content);
    EXPECT_EQ(content->bytes, "perl");
    EXPECT_EQ(content->path, "usr/bin/perl");
    EXPECT_EQ(content->layer, "sha256:layer1");
}

TEST(MergedView, HardLinkKeepsItsBodyWhenTheTargetIsReplacedLater) {
    // A later layer writing the target writes a new file; the link still names the old one.
    auto view = merge({Layer().file("a", "old").hardlink("b", "a"), Layer().file("a", "new")});
    EXPECT_EQ(body(view, "a"), "new");
    EXPECT_EQ(body(view, "b"), "old");
}

TEST(MergedView, HardLinkToALowerLayersFile) {
    auto view = merge({Layer().file("usr/lib/os-release", "lower"), Layer().hardlink("etc/os-release", "usr/lib/os-release")});
    auto content = view.read("etc/os-release");
    ASSERT_TRUE(content);
    EXPECT_EQ(content->bytes, "lower");
    EXPECT_EQ(content->layer, "sha256:layer2");
}

TEST(MergedView, HardLinkToNothingReadsAsAbsent) {
    auto view = merge({Layer().directory("etc").hardlink("etc/os-release", "missing").hardlink("etc/dir-link", "etc")});
    EXPECT_TRUE(view.contains("etc/os-release"));
    EXPECT_EQ(body(view, "etc/os-release"), "<absent>");
    EXPECT_EQ(body(view, "etc/dir-link"), "<absent>");
}

TEST(MergedView, FileReplacingASymlinkedDirectory) {
    auto view = merge({Layer().file("usr/lib/x", "x").symlink("lib", "usr/lib"), Layer().file("lib", "now a file")});
    EXPECT_EQ(body(view, "lib"), "now a file");
    EXPECT_EQ(body(view, "lib/x"), "<absent>");
    EXPECT_EQ(body(view, "usr/lib/x"), "x");
}

TEST(MergedView, SymlinkReplacingADirectoryHidesItsOldContents) {
    auto view = merge({Layer().directory("etc").file("etc/os-release", "old"), Layer().symlink("etc", "/usr/etc")});
    EXPECT_EQ(body(view, "etc/os-release"), "<absent>");
    EXPECT_FALSE(view.contains("etc/os-release"));
    auto with_target = merge({Layer().directory("etc").file("etc/os-release", "old"),
                              Layer().symlink("etc", "/usr/etc").file("usr/etc/os-release", "new")});
    EXPECT_EQ(body(with_target, "etc/os-release"), "new");
}

TEST(MergedView, FileReplacingADirectoryDropsItsChildren) {
    auto view = merge({Layer().file("opt/app/config", "c"), Layer().file("opt/app", "file")});
    EXPECT_EQ(body(view, "opt/app"), "file");
    EXPECT_FALSE(view.contains("opt/app/config"));
    // A directory entry over an existing directory keeps what is below it.
    auto kept = merge({Layer().directory("etc").file("etc/a", "a"), Layer().directory("etc")});
    EXPECT_EQ(body(kept, "etc/a"), "a");
}

TEST(MergedView, FilesMatchingListsCapturedRegularFilesInPathOrder) {
    auto view = merge({Layer()
                           .file("var/lib/dpkg/status.d/zlib", "z")
                           .file("var/lib/dpkg/status.d/base", "b")
                           .uncaptured_file("var/lib/dpkg/status.d/big")
                           .symlink("var/lib/dpkg/status.d/link", "base")
                           .file("etc/other", "o")});
    auto found = view.files_matching([](std::string_view path) { return path.starts_with("var/lib/dpkg/status.d/"); });
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].path, "var/lib/dpkg/status.d/base");
    EXPECT_EQ(found[1].path, "var/lib/dpkg/status.d/zlib");
    EXPECT_EQ(found[1].bytes, "z");
    EXPECT_EQ(found[1].layer, "sha256:layer1");
}

TEST(MergedView, ReadNormalisesThePathAsked) {
    auto view = merge({Layer().file("etc/os-release", "x")});
    EXPECT_EQ(body(view, "/etc/os-release"), "x");
    EXPECT_EQ(body(view, "./etc//os-release"), "x");
    EXPECT_EQ(body(view, "etc"), "<absent>");
}

}  // namespace
}  // namespace moat
