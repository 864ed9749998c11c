// Packages parsing and version picking on small hand-written indexes: the lowest fixing
// version, nothing published, a missing dependency pulled in, a versioned dependency upgraded,
// and binaries of the same source kept at one version.
#include <gtest/gtest.h>

#include <algorithm>

#include "fix/apt/packages_index.h"
#include "fix/apt/version_picker.h"

namespace moat::fix {
namespace {

constexpr const char* kIndex =
    "Package: libfoo1\nVersion: 1.0-1\nArchitecture: amd64\nSource: foo\nFilename: pool/f/libfoo1_1.0-1.deb\n"
    "Size: 10\nSHA256: aa\nDepends: libc6 (>= 2.36)\nDescription: x\n more text\n\n"
    "Package: libfoo1\nVersion: 1.0-3\nArchitecture: amd64\nSource: foo\nFilename: pool/f/libfoo1_1.0-3.deb\n"
    "Size: 10\nSHA256: bb\nDepends: libc6 (>= 2.36), libbar2 | libbaz, helper:any (>= 2)\n\n"
    "Package: libfoo1\nVersion: 1.0-5\nArchitecture: amd64\nSource: foo\nFilename: pool/f/libfoo1_1.0-5.deb\n"
    "Size: 10\nSHA256: cc\nDepends: libc6 (>= 2.36)\n\n"
    "Package: foo-bin\nVersion: 1.0-3\nArchitecture: amd64\nSource: foo\nDepends: libfoo1 (= 1.0-3)\n\n"
    "Package: foo-bin\nVersion: 1.0-1\nArchitecture: amd64\nSource: foo\nDepends: libfoo1 (= 1.0-1)\n\n"
    "Package: libbar2\nVersion: 2.0-1\nArchitecture: amd64\n\n"
    "Package: helper\nVersion: 1.5\nArchitecture: all\n\n"
    "Package: helper\nVersion: 2.1\nArchitecture: all\n\n"
    "Package: helper\nVersion: 3.0\nArchitecture: all\n\n"
    "Package: libc6\nVersion: 2.36-9\nArchitecture: amd64\n\n"
    "Package: other\nVersion: 9\nArchitecture: arm64\n\n"
    "Broken: stanza without package\n";

std::vector<AptCandidate> candidates() {
    auto stanzas = parse_packages_index(kIndex);
    std::vector<AptCandidate> result;
    for (auto& stanza : *stanzas) result.push_back({stanza, "http://mirror.example.invalid/debian", "bookworm"});
    return result;
}

const PickedPackage* find(const PickResult& result, const std::string& name) {
    for (const auto& pick : result.picks)
        if (pick.candidate->stanza.package == name) return &pick;
    return nullptr;
}

TEST(PackagesIndex, StanzasAndDependencyFieldsParsed) {
    auto stanzas = parse_packages_index(kIndex);
    ASSERT_TRUE(stanzas.ok());
    ASSERT_EQ(stanzas->size(), 11u);
    const auto& foo = (*stanzas)[1];
    EXPECT_EQ(foo.package, "libfoo1");
    EXPECT_EQ(foo.source, "foo");
    EXPECT_EQ(foo.size, 10u);
    ASSERT_EQ(foo.depends.size(), 3u);
    EXPECT_EQ(foo.depends[0][0].op, ">=");
    EXPECT_EQ(foo.depends[1].size(), 2u);
    EXPECT_EQ(foo.depends[1][1].name, "libbaz");
    EXPECT_EQ(foo.depends[2][0].name, "helper");
    EXPECT_EQ(foo.depends[2][0].arch_qualifier, "any");
}

TEST(PackagesIndex, VersionConstraints) {
    EXPECT_TRUE(version_satisfies("1.0-3", ">=", "1.0-3"));
    EXPECT_FALSE(version_satisfies("1.0-3", ">>", "1.0-3"));
    EXPECT_TRUE(version_satisfies("1.0~rc1", "<<", "1.0"));
    EXPECT_TRUE(version_satisfies("1:0.1", ">>", "9.9"));
    EXPECT_TRUE(version_satisfies("2", "", ""));
}

TEST(VersionPicker, LowestFixingVersionWithDependencyPulledInAndUpgraded) {
    auto all = candidates();
    std::vector<InstalledDeb> installed = {{"libfoo1", "1.0-1", "amd64", "install ok installed", "foo"},
                                           {"foo-bin", "1.0-1", "amd64", "install ok installed", "foo"},
                                           {"libc6", "2.36-9", "amd64", "install ok installed", ""},
                                           {"helper", "1.5", "all", "install ok installed", ""}};
    FixRequest request{"libfoo1", "1.0-1", "amd64", "foo", {{"CVE-1", "1.0-2"}, {"CVE-2", "1.0-3"}}};
    auto result = pick_versions(all, {request}, installed, "amd64", {"bookworm"});
    EXPECT_TRUE(result.unfixable.empty());
    const auto* foo = find(result, "libfoo1");
    ASSERT_NE(foo, nullptr);
    EXPECT_EQ(foo->candidate->stanza.version, "1.0-3");  // not 1.0-5
    EXPECT_EQ(foo->from_version, "1.0-1");
    EXPECT_EQ(foo->closes, (std::vector<std::string>{"CVE-1", "CVE-2"}));
    const auto* bar = find(result, "libbar2");  // new dependency, first alternative
    ASSERT_NE(bar, nullptr);
    EXPECT_EQ(bar->from_version, "");
    const auto* helper = find(result, "helper");  // installed 1.5 < 2: lowest that satisfies
    ASSERT_NE(helper, nullptr);
    EXPECT_EQ(helper->candidate->stanza.version, "2.1");
    EXPECT_EQ(helper->from_version, "1.5");
    const auto* bin = find(result, "foo-bin");  // same source, exact-version relation
    ASSERT_NE(bin, nullptr);
    EXPECT_EQ(bin->candidate->stanza.version, "1.0-3");
    EXPECT_EQ(find(result, "libc6"), nullptr);  // already satisfied
    EXPECT_EQ(result.picks.size(), 4u);
}

TEST(VersionPicker, NothingPublishedOrUnknownPackageIsUnfixableWithReason) {
    auto all = candidates();
    std::vector<InstalledDeb> installed = {{"libfoo1", "1.0-1", "amd64", "install ok installed", "foo"}};
    FixRequest too_new{"libfoo1", "1.0-1", "amd64", "foo", {{"CVE-3", "1.0-9"}}};
    FixRequest unknown{"ghost", "1", "amd64", "ghost", {{"CVE-4", "2"}}};
    auto result = pick_versions(all, {too_new, unknown}, installed, "amd64", {"bookworm", "bookworm-security"});
    EXPECT_TRUE(result.picks.empty());
    ASSERT_EQ(result.unfixable.size(), 2u);
    EXPECT_NE(result.unfixable[0].reason.find("no version >= 1.0-9 published in bookworm, bookworm-security"),
              std::string::npos)
        << result.unfixable[0].reason;
    EXPECT_EQ(result.unfixable[0].findings, (std::vector<std::string>{"CVE-3"}));
    EXPECT_NE(result.unfixable[1].reason.find("package not in any configured repository"), std::string::npos);
}

TEST(VersionPicker, UnsatisfiableDependencyMakesTheRequestUnfixable) {
    auto stanzas = parse_packages_index(
        "Package: a\nVersion: 2\nArchitecture: amd64\nDepends: missing (>= 1)\n\n");
    std::vector<AptCandidate> all;
    for (auto& stanza : *stanzas) all.push_back({stanza, "http://mirror.example.invalid", "s"});
    auto result = pick_versions(all, {{"a", "1", "amd64", "a", {{"CVE-5", "2"}}}},
                                {{"a", "1", "amd64", "install ok installed", ""}}, "amd64", {"s"});
    EXPECT_TRUE(result.picks.empty());
    ASSERT_EQ(result.unfixable.size(), 1u);
    EXPECT_NE(result.unfixable[0].reason.find("missing (>= 1)"), std::string::npos);
}

}  // namespace
}  // namespace moat::fix
