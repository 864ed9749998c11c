#include "image/observer_fanout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace moat {
namespace {

TEST(DeletionTracker, LaterWhiteoutsOpaqueDirsAndRewritesDelete) {
    DeletionTracker tracker;
    tracker.begin_layer(0);
    for (auto* path : {"app/.npmrc", "app/keep.txt", "etc/ssl/key.pem", "srv/data/a", "opt/x"}) tracker.on_entry(path);
    tracker.begin_layer(1);
    tracker.on_deletion("app/.npmrc", false);  // whiteout of the file
    tracker.on_deletion("etc/ssl", false);     // whiteout of a directory
    tracker.on_deletion("srv/data", true);     // opaque directory
    tracker.on_entry("opt/x");                 // rewritten
    tracker.on_entry("srv/data/b");
    tracker.begin_layer(2);

    EXPECT_TRUE(tracker.deleted("app/.npmrc", 0));
    EXPECT_FALSE(tracker.deleted("app/keep.txt", 0));
    EXPECT_TRUE(tracker.deleted("etc/ssl/key.pem", 0));
    EXPECT_TRUE(tracker.deleted("srv/data/a", 0));
    EXPECT_FALSE(tracker.deleted("srv/data/b", 1)) << "written by the layer that made the dir opaque";
    EXPECT_TRUE(tracker.deleted("opt/x", 0));
    EXPECT_FALSE(tracker.deleted("opt/x", 1));
    EXPECT_FALSE(tracker.deleted("app/.npmrc-other", 0)) << "a name prefix is not a directory";
}

struct Recorder : EntryObserver {
    bool wants = false;
    std::string body;
    int ends = 0;
    std::vector<std::string> deletions;
    void begin_layer(size_t, std::string_view) override {}
    bool on_entry(const ObservedEntry&) override { return wants; }
    void on_body_chunk(std::string_view bytes) override { body += bytes; }
    void on_body_end() override { ++ends; }
    void on_deletion(std::string_view path, bool) override { deletions.emplace_back(path); }
};

TEST(ObserverFanout, BodiesGoOnlyToObserversThatAskedForThem) {
    Recorder reader, skipper;
    reader.wants = true;
    ObserverFanout fanout;
    fanout.add(&reader);
    fanout.add(&skipper);
    fanout.begin_layer(0, "sha256:aa");
    ASSERT_TRUE(fanout.on_entry(ObservedEntry{"app/a", EntryKind::Regular, 0644, 3, {}}));
    fanout.on_body_chunk("abc");
    fanout.on_body_end();
    fanout.on_deletion("app/b", false);
    EXPECT_EQ(reader.body, "abc");
    EXPECT_EQ(reader.ends, 1);
    EXPECT_EQ(skipper.body, "");
    EXPECT_EQ(skipper.ends, 0);
    EXPECT_EQ(skipper.deletions, std::vector<std::string>{"app/b"});
    EXPECT_EQ(fanout.layer_digest(0), "sha256:aa");
}

}  // namespace
}  // namespace moat
