#include "registry/scan/scan_config.h"

#include <gtest/gtest.h>

namespace moat::registry {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kMonday = 1795392000;  // 2026-11-23 00:00 UTC

ScanConfig config_from(std::string_view json) {
    auto config = parse_scan_config_json(json, ScanConfig{});
    EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error().message);
    return config.ok() ? *config : ScanConfig{};
}

TEST(ScanSchedule, ThreeDayCycleInsideANightWindowRunsExactlyWhenDue) {
    ScanConfig config = config_from(R"({"cycle": "3d", "window": {"start": "02:00", "end": "06:00"}})");
    // Never ran; at 10:00 the window is closed, so the first cycle waits for 02:00 next day.
    int64_t now = kMonday + 10 * kHour;
    EXPECT_FALSE(in_window(config, now));
    auto first = next_cycle_start(config, std::nullopt, now);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(*first, kMonday + kDay + 2 * kHour);
    // It ran then; the next one is three days later, at the same time, inside the window.
    auto second = next_cycle_start(config, *first, *first + 5 * 60);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(*second, *first + 3 * kDay);
    EXPECT_TRUE(in_window(config, *second));
    // A cycle due at 05:30 (it started late last time) still runs at 05:30; one due at 07:00
    // waits for the next night.
    EXPECT_EQ(*next_cycle_start(config, kMonday + 5 * kHour + 30 * 60 - 3 * kDay, now),
              kMonday + 5 * kHour + 30 * 60);
    EXPECT_EQ(*next_cycle_start(config, kMonday + 7 * kHour - 3 * kDay, now), kMonday + kDay + 2 * kHour);
}

TEST(ScanSchedule, WindowMayWrapMidnight) {
    ScanConfig config = config_from(R"({"cycle": "1w", "window": {"start": "22:00", "end": "04:00"}})");
    EXPECT_TRUE(in_window(config, kMonday + 23 * kHour));
    EXPECT_TRUE(in_window(config, kMonday + 3 * kHour));
    EXPECT_FALSE(in_window(config, kMonday + 4 * kHour));
    EXPECT_FALSE(in_window(config, kMonday + 12 * kHour));
    EXPECT_EQ(next_window_opening(config, kMonday + 12 * kHour), kMonday + 22 * kHour);
}

TEST(ScanSchedule, StoppedCycleNeverRuns) {
    ScanConfig config = config_from(R"({"cycle": "stop"})");
    EXPECT_FALSE(next_cycle_start(config, kMonday, kMonday + 30 * kDay).has_value());
    EXPECT_EQ(cycle_name(config.cycle_seconds), "stop");
}

TEST(ScanSchedule, NoWindowMeansAnyTime) {
    ScanConfig config = config_from(R"({"cycle": "2w"})");
    EXPECT_EQ(*next_cycle_start(config, std::nullopt, kMonday + 13 * kHour), kMonday + 13 * kHour);
    EXPECT_EQ(*next_cycle_start(config, kMonday, kMonday), kMonday + 14 * kDay);
}

TEST(ScanQuotaTest, ExhaustionIsReportedNotSilent) {
    ScanConfig config = config_from(R"({"quota": {"total": 2}})");
    EXPECT_TRUE(consume_quota(config.quota).ok());
    EXPECT_TRUE(consume_quota(config.quota).ok());
    Status third = consume_quota(config.quota);
    ASSERT_FALSE(third.ok());
    EXPECT_NE(third.message().find("2 of 2"), std::string::npos);
    EXPECT_EQ(config.quota.used, 2);
    ScanQuota unlimited;
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(consume_quota(unlimited).ok());
}

TEST(ScanScope, NamespacesAndRepositories) {
    ScanConfig config = config_from(R"({"scope": ["team-a", "team-b/app"]})");
    EXPECT_TRUE(in_scope(config, "team-a/web"));
    EXPECT_TRUE(in_scope(config, "team-a/deep/name"));
    EXPECT_TRUE(in_scope(config, "team-b/app"));
    EXPECT_FALSE(in_scope(config, "team-b/other"));
    EXPECT_FALSE(in_scope(config, "team-ab/web"));
    EXPECT_TRUE(in_scope(config_from(R"({"scope": ["all"]})"), "anything/here"));
}

TEST(ScanConfigJson, PartialUpdateKeepsOtherFieldsAndRoundTrips) {
    ScanConfig config = config_from(
        R"({"on_push": true, "cycle": "3d", "window": {"start": "02:00", "end": "06:00"},
            "scope": ["team/app"], "quota": {"total": 1000, "used": 12}})");
    auto updated = parse_scan_config_json(R"({"on_push": false})", config);
    ASSERT_TRUE(updated.ok());
    EXPECT_FALSE(updated->on_push);
    EXPECT_EQ(updated->cycle_seconds, 3 * kDay);
    EXPECT_EQ(updated->quota.used, 12);
    EXPECT_EQ(scan_config_to_json(*updated),
              R"({"cycle":"3d","on_push":false,"quota":{"total":1000,"used":12},"scope":["team/app"],)"
              R"("window":{"end":"06:00","start":"02:00"}})");
}

TEST(ScanConfigJson, BadValuesNameTheField) {
    auto message = [](std::string_view json) {
        auto config = parse_scan_config_json(json, ScanConfig{});
        return config.ok() ? std::string() : config.error().message;
    };
    EXPECT_NE(message(R"({"cycle": "3 days"})").find("cycle"), std::string::npos);
    EXPECT_NE(message(R"({"window": {"start": "25:00", "end": "06:00"}})").find("window start"), std::string::npos);
    EXPECT_NE(message(R"({"quota": {"total": -1}})").find("quota"), std::string::npos);
    EXPECT_NE(message(R"({"cycles": "3d"})").find("cycles"), std::string::npos);
}

}  // namespace
}  // namespace moat::registry
