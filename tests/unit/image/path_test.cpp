#include "image/path.h"

#include <gtest/gtest.h>

#include <random>

namespace moat {
namespace {

TEST(NormalizeImagePath, CleansDotsSlashesAndDotDot) {
    EXPECT_EQ(normalize_image_path("./usr//lib/../bin/"), "usr/bin");
    EXPECT_EQ(normalize_image_path("/etc/os-release"), "etc/os-release");
    EXPECT_EQ(normalize_image_path("etc/./os-release"), "etc/os-release");
    EXPECT_EQ(normalize_image_path("a/b/../../c"), "c");
    EXPECT_EQ(normalize_image_path("a/.."), "");
}

TEST(NormalizeImagePath, RootForms) {
    EXPECT_EQ(normalize_image_path(""), "");
    EXPECT_EQ(normalize_image_path("/"), "");
    EXPECT_EQ(normalize_image_path("."), "");
    EXPECT_EQ(normalize_image_path("./"), "");
    EXPECT_EQ(normalize_image_path("//./"), "");
}

TEST(NormalizeImagePath, RefusesClimbingAboveTheRoot) {
    EXPECT_EQ(normalize_image_path("../../etc/passwd"), std::nullopt);
    EXPECT_EQ(normalize_image_path(".."), std::nullopt);
    EXPECT_EQ(normalize_image_path("/.."), std::nullopt);
    EXPECT_EQ(normalize_image_path("a/../../b"), std::nullopt);
    EXPECT_EQ(normalize_image_path("a/b/../../.."), std::nullopt);
    EXPECT_EQ(normalize_image_path("./../x"), std::nullopt);
}

TEST(NormalizeImagePath, NamesThatOnlyLookLikeDots) {
    EXPECT_EQ(normalize_image_path(".../x"), ".../x");
    EXPECT_EQ(normalize_image_path("..foo/bar"), "..foo/bar");
    EXPECT_EQ(normalize_image_path("a/..b"), "a/..b");
    EXPECT_EQ(normalize_image_path(".hidden"), ".hidden");
    // Backslash is an ordinary character in a tar name, not a separator.
    EXPECT_EQ(normalize_image_path("..\\..\\x"), "..\\..\\x");
}

TEST(ResolveLinkTarget, RelativeTargetsJoinTheLinksDirectory) {
    EXPECT_EQ(resolve_link_target("etc/os-release", "../usr/lib/os-release"), "usr/lib/os-release");
    EXPECT_EQ(resolve_link_target("etc/x", "./y"), "etc/y");
    EXPECT_EQ(resolve_link_target("x", "y"), "y");
    EXPECT_EQ(resolve_link_target("usr/lib/os-release", "os.release.d/os-release-container"),
              "usr/lib/os.release.d/os-release-container");
}

TEST(ResolveLinkTarget, AbsoluteTargetsAreRelativeToTheImageRoot) {
    EXPECT_EQ(resolve_link_target("etc/os-release", "/usr/lib/os-release"), "usr/lib/os-release");
    EXPECT_EQ(resolve_link_target("a/b/c", "/x"), "x");
    EXPECT_EQ(resolve_link_target("etc/root", "/"), "");
}

TEST(ResolveLinkTarget, DotDotStopsAtTheRoot) {
    EXPECT_EQ(resolve_link_target("a/b/c", "../../../../x"), "x");
    EXPECT_EQ(resolve_link_target("etc/x", "/../../y"), "y");
    EXPECT_EQ(resolve_link_target("etc/shadow", "../../../etc/shadow"), "etc/shadow");
    EXPECT_EQ(resolve_link_target("x", ".."), "");
}

TEST(PathParts, ParentAndBaseName) {
    EXPECT_EQ(parent_path("etc/os-release"), "etc");
    EXPECT_EQ(parent_path("a/b/c"), "a/b");
    EXPECT_EQ(parent_path("top"), "");
    EXPECT_EQ(base_name("etc/os-release"), "os-release");
    EXPECT_EQ(base_name("top"), "top");
    EXPECT_EQ(base_name("etc/.wh..wh..opq"), ".wh..wh..opq");
}

// Paths built from the awkward pieces: the results always stay inside the root, are in normal
// form (normalising again changes nothing), and a link target never escapes.
TEST(PathProperties, ResultsAreNormalAndStayInsideTheRoot) {
    const char* pieces[] = {"..", ".", "", "a", "b", "etc", "/", "//", "...", ".wh.x"};
    std::mt19937 random(12345);
    auto random_path = [&] {
        std::string out;
        size_t count = random() % 8;
        for (size_t i = 0; i < count; ++i) {
            if (i > 0 || random() % 3 == 0) out += '/';
            out += pieces[random() % std::size(pieces)];
        }
        return out;
    };
    auto is_normal = [](const std::string& path) {
        if (path.empty()) return true;
        if (path.front() == '/' || path.back() == '/' || path.find("//") != std::string::npos) return false;
        size_t start = 0;
        while (start <= path.size()) {
            size_t end = path.find('/', start);
            if (end == std::string::npos) end = path.size();
            std::string part = path.substr(start, end - start);
            if (part == "." || part == "..") return false;
            start = end + 1;
        }
        return true;
    };
    for (int i = 0; i < 20000; ++i) {
        std::string path = random_path();
        auto normalized = normalize_image_path(path);
        if (normalized) {
            EXPECT_TRUE(is_normal(*normalized)) << path << " -> " << *normalized;
            EXPECT_EQ(normalize_image_path(*normalized), normalized) << path;
        }
        std::string link = normalized.value_or("l");
        std::string resolved = resolve_link_target(link, random_path());
        EXPECT_TRUE(is_normal(resolved)) << link << " -> " << resolved;
    }
}

}  // namespace
}  // namespace moat
