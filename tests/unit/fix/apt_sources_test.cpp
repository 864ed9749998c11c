// apt sources parsing: one-line with options, deb-src skipped, deb822 with Enabled: no.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fix/apt/apt_sources.h"
#include "util/temp_dir.h"

namespace moat::fix {
namespace {

TEST(AptSources, OneLineWithOptionsAndDebSrcSkipped) {
    auto sources = parse_one_line_sources(
        "# comment\n"
        "deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://mirror.example.invalid/debian/ bookworm main contrib\n"
        "deb-src http://mirror.example.invalid/debian bookworm main\n"
        "\n"
        "deb http://mirror.example.invalid/debian-security bookworm-security main # trailing\n");
    ASSERT_EQ(sources.size(), 2u);
    EXPECT_EQ(sources[0].uri, "http://mirror.example.invalid/debian");
    EXPECT_EQ(sources[0].suite, "bookworm");
    EXPECT_EQ(sources[0].components, (std::vector<std::string>{"main", "contrib"}));
    EXPECT_EQ(sources[1].suite, "bookworm-security");
    EXPECT_EQ(sources[1].components, (std::vector<std::string>{"main"}));
}

TEST(AptSources, Deb822StanzasExpandUrisAndSuitesAndSkipDisabled) {
    auto sources = parse_deb822_sources(
        "Types: deb deb-src\n"
        "URIs: http://mirror.example.invalid/debian\n"
        "Suites: bookworm bookworm-updates\n"
        "Components: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
        "\n"
        "Types: deb\n"
        "URIs: http://mirror.example.invalid/disabled\n"
        "Suites: bookworm\n"
        "Components: main\n"
        "Enabled: no\n"
        "\n"
        "Types: deb-src\n"
        "URIs: http://mirror.example.invalid/src\n"
        "Suites: bookworm\n");
    ASSERT_EQ(sources.size(), 2u);
    EXPECT_EQ(sources[0].suite, "bookworm");
    EXPECT_EQ(sources[1].suite, "bookworm-updates");
    EXPECT_EQ(sources[1].uri, "http://mirror.example.invalid/debian");
}

TEST(AptSources, RepoArgumentsAcceptBareLinesAndDeb822) {
    auto sources = parse_repo_arguments({"http://mirror.example.invalid/debian bookworm-security main",
                                         "Types: deb\nURIs: http://mirror.example.invalid/x\nSuites: s1\nComponents: c\n"});
    ASSERT_EQ(sources.size(), 2u);
    EXPECT_EQ(sources[0].suite, "bookworm-security");
    EXPECT_EQ(sources[1].uri, "http://mirror.example.invalid/x");
    EXPECT_EQ(sources[1].components, (std::vector<std::string>{"c"}));
}

TEST(AptSources, ImageSourcesReadFromListAndSourcesFiles) {
    auto temp = private_temp_dir();
    ASSERT_TRUE(temp.ok());
    auto root = *temp / "apt-sources-root";
    std::filesystem::create_directories(root / "etc/apt/sources.list.d");
    std::ofstream(root / "etc/apt/sources.list") << "deb http://mirror.example.invalid/a bookworm main\n";
    std::ofstream(root / "etc/apt/sources.list.d/extra.list") << "deb http://mirror.example.invalid/b stable main\n";
    std::ofstream(root / "etc/apt/sources.list.d/debian.sources")
        << "Types: deb\nURIs: http://mirror.example.invalid/c\nSuites: bookworm-security\nComponents: main\n";
    std::ofstream(root / "etc/apt/sources.list.d/ignored.txt") << "deb http://mirror.example.invalid/d x main\n";
    auto sources = read_image_sources(root);
    ASSERT_EQ(sources.size(), 3u);
    EXPECT_EQ(sources[0].uri, "http://mirror.example.invalid/a");
    EXPECT_EQ(sources[1].uri, "http://mirror.example.invalid/c");  // debian.sources sorts before extra.list
    EXPECT_EQ(sources[2].uri, "http://mirror.example.invalid/b");
    std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace moat::fix
