#include "image/path_matcher.h"

#include <gtest/gtest.h>

namespace moat {
namespace {

PathInterest interest(std::vector<std::string> exact, std::vector<std::string> suffixes,
                      std::vector<std::string> globs, size_t max_bytes) {
    PathInterest out;
    out.exact = std::move(exact);
    out.suffixes = std::move(suffixes);
    out.globs = std::move(globs);
    out.max_bytes = max_bytes;
    return out;
}

TEST(PathMatcher, NothingAskedMeansNothingWanted) {
    EXPECT_EQ(PathMatcher().wanted("etc/os-release"), std::nullopt);
    PathMatcher matcher({interest({"etc/os-release"}, {}, {}, 100)});
    EXPECT_EQ(matcher.wanted("etc/passwd"), std::nullopt);
    EXPECT_EQ(matcher.wanted(""), std::nullopt);
}

TEST(PathMatcher, ExactPathsMatchOnlyThemselves) {
    PathMatcher matcher({interest({"var/lib/dpkg/status"}, {}, {}, 100)});
    EXPECT_EQ(matcher.wanted("var/lib/dpkg/status"), 100u);
    EXPECT_EQ(matcher.wanted("var/lib/dpkg/status-old"), std::nullopt);
    EXPECT_EQ(matcher.wanted("x/var/lib/dpkg/status"), std::nullopt);
    EXPECT_EQ(matcher.wanted("var/lib/dpkg"), std::nullopt);
}

TEST(PathMatcher, SuffixesMatchAnywhere) {
    PathMatcher matcher({interest({}, {"/package.json", ".jar"}, {}, 100)});
    EXPECT_EQ(matcher.wanted("app/node_modules/left-pad/package.json"), 100u);
    EXPECT_EQ(matcher.wanted("opt/app/lib/log4j-core-2.14.1.jar"), 100u);
    EXPECT_EQ(matcher.wanted("app/package.json.bak"), std::nullopt);
    EXPECT_EQ(matcher.wanted("app/notpackage.json"), std::nullopt);
}

TEST(PathMatcher, GlobStarDoesNotCrossSlashes) {
    PathMatcher matcher({interest({}, {}, {"var/lib/dpkg/status.d/*", "usr/lib/python3*/site-packages/*/METADATA"}, 100)});
    EXPECT_EQ(matcher.wanted("var/lib/dpkg/status.d/base-files"), 100u);
    EXPECT_EQ(matcher.wanted("var/lib/dpkg/status.d/.hidden"), 100u);
    EXPECT_EQ(matcher.wanted("var/lib/dpkg/status.d/a/b"), std::nullopt);
    EXPECT_EQ(matcher.wanted("var/lib/dpkg/status.d"), std::nullopt);
    EXPECT_EQ(matcher.wanted("usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA"), 100u);
    EXPECT_EQ(matcher.wanted("usr/lib/python3.11/site-packages/a/b/METADATA"), std::nullopt);
}

TEST(PathMatcher, SubtreeGlobMatchesEverythingBelowTheDirectoryOnly) {
    PathMatcher matcher({interest({}, {}, {"usr/lib/sysimage/rpm/**"}, 100)});
    EXPECT_EQ(matcher.wanted("usr/lib/sysimage/rpm/rpmdb.sqlite"), 100u);
    EXPECT_EQ(matcher.wanted("usr/lib/sysimage/rpm/a/b/c"), 100u);
    EXPECT_EQ(matcher.wanted("usr/lib/sysimage/rpm-old/Packages"), std::nullopt);
    EXPECT_EQ(matcher.wanted("usr/lib/sysimage/rpmx"), std::nullopt);
    EXPECT_EQ(matcher.wanted("x/usr/lib/sysimage/rpm/Packages"), std::nullopt);
}

TEST(PathMatcher, TheLargestLimitOfAllInterestedAnalyzersApplies) {
    PathMatcher matcher({interest({"etc/os-release"}, {}, {}, 1 << 20),
                         interest({}, {"os-release"}, {}, 4 << 20),
                         interest({}, {}, {"etc/*"}, 2 << 20),
                         interest({"etc/os-release"}, {}, {}, 16)});
    EXPECT_EQ(matcher.wanted("etc/os-release"), 4u << 20);
    EXPECT_EQ(matcher.wanted("etc/hostname"), 2u << 20);
    EXPECT_EQ(matcher.wanted("usr/lib/os-release"), 4u << 20);
}

TEST(PathMatcher, ZeroByteLimitStillCountsAsWanted) {
    // An analyzer that only needs to know a file exists.
    PathMatcher matcher({interest({"etc/alpine-release"}, {}, {}, 0)});
    EXPECT_EQ(matcher.wanted("etc/alpine-release"), 0u);
}

}  // namespace
}  // namespace moat
