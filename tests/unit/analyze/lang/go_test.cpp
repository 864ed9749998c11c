#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "../../support/fixture_cases.h"
#include "../../support/memory_file_view.h"
#include "analyze/lang/golang/go_binary.h"
#include "analyze/lang/golang/go_elf.h"
#include "analyze/lang/golang/go_mod.h"
#include "analyze/lang/golang/go_semver.h"

namespace moat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using golang::GoModOptions;

using NameVersion = std::set<std::pair<std::string, std::string>>;

NameVersion name_versions(const std::vector<Package>& packages) {
    NameVersion out;
    for (const auto& package : packages) out.insert({package.name, package.version});
    return out;
}

// ---------------------------------------------------------------------------------------------
// Every default case of shared/fixtures/{gobinary,gomod,gosum}, found at run time.

std::string mismatch(const json& expected, const std::vector<Package>& got) {
    std::string problems;
    const NameVersion found = name_versions(got);
    for (const auto& want : expected["packages"]) {
        const std::string name = want.value("name", ""), version = want.value("version", "");
        if (!found.contains({name, version})) problems += " missing " + name + "@" + version + ";";
    }
    const std::string target = expected["targets"][0];
    for (const auto& package : got) {
        if (package.type != "golang") problems += " " + package.name + " has type " + package.type + ";";
        if (package.path != target) problems += " " + package.name + " read from " + package.path + ";";
    }
    if (expected.value("complete", false) && got.size() != expected["packages"].size())
        problems += " found " + std::to_string(got.size()) + " packages, expected exactly " +
                    std::to_string(expected["packages"].size()) + ";";
    return problems;
}

void expect_category_matches(const std::string& category, const PackageAnalyzer& analyzer) {
    testing::expect_default_fixture_cases_match(category, [&](const fs::path& dir, const json& expected) {
        std::vector<std::string> warnings;
        return mismatch(expected, analyzer.analyze(testing::DirFileView(dir / "input"), {}, warnings));
    });
}

TEST(GoFixtures, EveryDefaultGoBinaryCaseMatchesThePeer) { expect_category_matches("gobinary", GoBinaryAnalyzer()); }
TEST(GoFixtures, EveryDefaultGoModCaseMatchesThePeer) { expect_category_matches("gomod", GoModAnalyzer()); }
TEST(GoFixtures, EveryDefaultGoSumCaseMatchesThePeer) { expect_category_matches("gosum", GoModAnalyzer()); }

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

const fs::path& fixtures() {
    static const fs::path root = testing::shared_dir() / "fixtures";
    return root;
}

// The two cases run with non-default Trivy options, through the parser options that mirror them.
TEST(GoFixtures, NonDefaultPeerOptionsMatchThroughParserOptions) {
    for (const auto& [name, options] : std::map<std::string, GoModOptions>{
             {"trivy-gomod-normal-with-stdlib", {.apply_replace = true, .stdlib_from_toolchain = true}},
             {"trivy-gomod-replaced-not-applied", {.apply_replace = false, .stdlib_from_toolchain = false}}}) {
        const fs::path dir = fixtures() / "gomod" / name;
        const json expected = testing::load_json(dir / "expected.json");
        std::vector<std::string> warnings;
        auto packages = golang::parse_go_mod(read_file(dir / "input/go.mod"), warnings, options);
        for (auto& package : packages) package.path = "go.mod";
        EXPECT_EQ(mismatch(expected, packages), "") << name;
    }
}

// ---------------------------------------------------------------------------------------------
// go.mod

std::vector<Package> mod(std::string_view text, GoModOptions options = {}) {
    std::vector<std::string> warnings;
    return golang::parse_go_mod(text, warnings, options);
}

TEST(GoMod, MainModuleHasNoVersionAndRequirementsKeepTheirV) {
    const auto packages = mod(
        "module example.com/app // the app\n\ngo 1.21\n\n"
        "require (\n\texample.com/a v1.2.3\n\t\"example.com/quoted\" v0.1.0 // indirect\n)\n"
        "require example.com/b v0.0.0-20200804184101-5ec99f83aff1\n");
    EXPECT_EQ(name_versions(packages), (NameVersion{{"example.com/app", ""},
                                                    {"example.com/a", "v1.2.3"},
                                                    {"example.com/quoted", "v0.1.0"},
                                                    {"example.com/b", "v0.0.0-20200804184101-5ec99f83aff1"}}));
    EXPECT_EQ(packages[0].name, "example.com/app");
    EXPECT_EQ(packages[0].type, "golang");
}

TEST(GoMod, IndirectRequirementsOnlyFromGo117On) {
    constexpr std::string_view kRequires =
        "require example.com/direct v1.0.0\nrequire example.com/indirect v1.0.0 // indirect; needed by x\n";
    EXPECT_EQ(mod(fmt::format("module m\ngo 1.16\n{}", kRequires)).size(), 2u);
    EXPECT_EQ(mod(fmt::format("module m\n{}", kRequires)).size(), 2u);  // no go line: old
    EXPECT_EQ(mod(fmt::format("module m\ngo 1.17\n{}", kRequires)).size(), 3u);
    EXPECT_EQ(mod(fmt::format("module m\ngo 1.22.0\n{}", kRequires)).size(), 3u);
    // A comment that merely mentions "indirect" does not make a requirement indirect.
    EXPECT_EQ(mod("module m\ngo 1.16\nrequire example.com/x v1.0.0 // not indirect\n").size(), 2u);
}

TEST(GoMod, ReplaceRules) {
    constexpr std::string_view kHead =
        "module m\ngo 1.21\nrequire (\n example.com/a v1.0.0\n example.com/b v1.0.0\n)\n";
    // To another module at a version: the replacement is reported instead.
    EXPECT_EQ(name_versions(mod(fmt::format("{}replace example.com/a => example.org/fork v1.5.0\n", kHead))),
              (NameVersion{{"m", ""}, {"example.org/fork", "v1.5.0"}, {"example.com/b", "v1.0.0"}}));
    // Matching left-hand version applies; another version does not.
    EXPECT_EQ(name_versions(mod(fmt::format("{}replace example.com/a v1.0.0 => example.com/a v1.0.1\n", kHead))),
              (NameVersion{{"m", ""}, {"example.com/a", "v1.0.1"}, {"example.com/b", "v1.0.0"}}));
    EXPECT_EQ(name_versions(mod(fmt::format("{}replace example.com/a v0.9.0 => example.com/a v1.0.1\n", kHead))),
              (NameVersion{{"m", ""}, {"example.com/a", "v1.0.0"}, {"example.com/b", "v1.0.0"}}));
    // A local directory removes the module; a replace block works like single lines.
    EXPECT_EQ(name_versions(mod(fmt::format("{}replace (\n example.com/a => ../a\n)\n", kHead))),
              (NameVersion{{"m", ""}, {"example.com/b", "v1.0.0"}}));
    // Replacing a module that is not required adds nothing; replace can be turned off.
    EXPECT_EQ(mod(fmt::format("{}replace example.com/zzz => example.com/y v1.0.0\n", kHead)).size(), 3u);
    EXPECT_EQ(name_versions(mod(fmt::format("{}replace example.com/a => ../a\n", kHead), {.apply_replace = false})),
              (NameVersion{{"m", ""}, {"example.com/a", "v1.0.0"}, {"example.com/b", "v1.0.0"}}));
}

TEST(GoMod, StdlibFromToolchainLineWhenAsked) {
    const GoModOptions with_stdlib{.apply_replace = true, .stdlib_from_toolchain = true};
    EXPECT_EQ(name_versions(mod("module m\ngo 1.22.0\ntoolchain go1.22.5-custom\n", with_stdlib)),
              (NameVersion{{"m", ""}, {"stdlib", "v1.22.5"}}));
    EXPECT_EQ(name_versions(mod("module m\ngo 1.21\n", with_stdlib)), (NameVersion{{"m", ""}, {"stdlib", "v1.21"}}));
    EXPECT_EQ(name_versions(mod("module m\ngo 1.22.0\ntoolchain go1.22.5\n")), (NameVersion{{"m", ""}}));
}

TEST(GoMod, MalformedLinesAreWarningsAndHostileInputIsBounded) {
    std::vector<std::string> warnings;
    const auto packages = golang::parse_go_mod(
        "module m\ngo 1.21\nrequire example.com/a\nreplace => x\nrequire (\n example.com/b v1.0.0\n", warnings);
    EXPECT_EQ(name_versions(packages), (NameVersion{{"m", ""}, {"example.com/b", "v1.0.0"}}));
    EXPECT_EQ(warnings.size(), 3u);  // require without version, replace without old, unclosed block
    const std::string nested(100000, '(');
    EXPECT_EQ(mod(nested + "\n\"unterminated\n`raw").size(), 0u);
    EXPECT_TRUE(mod("").empty());
}

// ---------------------------------------------------------------------------------------------
// go.sum

TEST(GoSum, HighestSemverPerModuleGoModLinesCount) {
    std::vector<std::string> warnings;
    const auto packages = golang::parse_go_sum(
        "cloud.google.com/go/storage v1.8.0 h1:x=\n"
        "cloud.google.com/go/storage v1.10.0 h1:y=\n"
        "cloud.google.com/go/storage v1.9.0/go.mod h1:z=\n"
        "\n"
        "example.com/only-go-mod v0.2.0/go.mod h1:w=\n"
        "example.com/pre v1.0.0-rc.1 h1:a=\n"
        "example.com/pre v1.0.0 h1:b=\n"
        "example.com/pre v1.0.0-rc.2 h1:c=\n"
        "example.com/inc v38.0.0+incompatible h1:d=\n"
        "example.com/inc v9.0.0+incompatible h1:e=\n"
        "example.com/pseudo v0.0.0-20200804184101-5ec99f83aff1 h1:f=\n"
        "example.com/pseudo v0.0.0-20191011141410-1b5146add898 h1:g=\n"
        "lonely-token\n",
        warnings);
    EXPECT_EQ(name_versions(packages), (NameVersion{{"cloud.google.com/go/storage", "v1.10.0"},
                                                    {"example.com/only-go-mod", "v0.2.0"},
                                                    {"example.com/pre", "v1.0.0"},
                                                    {"example.com/inc", "v38.0.0+incompatible"},
                                                    {"example.com/pseudo", "v0.0.0-20200804184101-5ec99f83aff1"}}));
    EXPECT_EQ(warnings.size(), 1u);
    EXPECT_EQ(packages.front().name, "cloud.google.com/go/storage");  // sorted by name
}

TEST(GoSemver, OrdersLikeTheGoToolchain) {
    using golang::compare_semver;
    using golang::is_valid_semver;
    EXPECT_TRUE(is_valid_semver("v1"));
    EXPECT_TRUE(is_valid_semver("v1.2"));
    EXPECT_TRUE(is_valid_semver("v1.2.3-pre.0+build.01"));
    EXPECT_FALSE(is_valid_semver("1.2.3"));
    EXPECT_FALSE(is_valid_semver("v01.2.3"));
    EXPECT_FALSE(is_valid_semver("v1.2-pre"));
    EXPECT_FALSE(is_valid_semver("v1.2.3-01"));
    EXPECT_FALSE(is_valid_semver("v1.2.3-"));
    EXPECT_LT(compare_semver("v1.9.0", "v1.10.0"), 0);
    EXPECT_LT(compare_semver("v1.0.0-rc.1", "v1.0.0"), 0);
    EXPECT_LT(compare_semver("v1.0.0-alpha", "v1.0.0-alpha.1"), 0);
    EXPECT_LT(compare_semver("v1.0.0-2", "v1.0.0-10"), 0);
    EXPECT_LT(compare_semver("v1.0.0-9", "v1.0.0-a"), 0);
    EXPECT_EQ(compare_semver("v1.2", "v1.2.0"), 0);
    EXPECT_EQ(compare_semver("v2.0.0+incompatible", "v2.0.0"), 0);
    EXPECT_LT(compare_semver("garbage", "v0.0.1"), 0);
    EXPECT_GT(compare_semver("v0.0.1", "garbage"), 0);
}

// ---------------------------------------------------------------------------------------------
// Go binaries

TEST(GoLdflags, FindsTheStampedVersion) {
    using golang::version_from_ldflags;
    EXPECT_EQ(version_from_ldflags("-w -X main.version=v1.0.0"), "v1.0.0");
    EXPECT_EQ(version_from_ldflags("-s -w -X=github.com/x/y/pkg.Version=2.3.4"), "2.3.4");
    EXPECT_EQ(version_from_ldflags("--X 'main.ver=1.2.3'"), "1.2.3");
    EXPECT_EQ(version_from_ldflags("-X main.commit=abc -X main.version=v0.5.0-rc.1"), "v0.5.0-rc.1");
    EXPECT_EQ(version_from_ldflags("-X main.version=dev"), "");          // not a version
    EXPECT_EQ(version_from_ldflags("-X main.versionString=1.0.0"), "");  // not a version variable
    EXPECT_EQ(version_from_ldflags("-X"), "");
    EXPECT_EQ(version_from_ldflags(""), "");
}

// Little-endian helpers to lay out a synthetic ELF.
void put(std::string& out, size_t at, uint64_t value, size_t width, bool big_endian = false) {
    if (out.size() < at + width) out.resize(at + width, '\0');
    for (size_t i = 0; i < width; ++i)
        out[at + (big_endian ? width - 1 - i : i)] = static_cast<char>((value >> (8 * i)) & 0xff);
}

std::string uvarint(uint64_t value) {
    std::string out;
    while (value >= 0x80) {
        out += static_cast<char>((value & 0x7f) | 0x80);
        value >>= 7;
    }
    out += static_cast<char>(value);
    return out;
}

// modinfo as the Go linker frames it: 16 bytes of sentinel on each side.
std::string framed(std::string_view lines) {
    return "<start sentinel>" + std::string(lines) + "<end   sentinel>";
}

// A 64-bit little-endian executable whose one writable PT_LOAD segment holds a Go >= 1.18
// build info header followed by its inline strings.
std::string elf64_inline(std::string_view go_version, std::string_view modinfo_lines) {
    constexpr uint64_t kDataOffset = 0x80, kDataAddress = 0x500080;
    std::string blob = "\xff Go buildinf:";
    blob += '\x08';
    blob += '\x02';
    blob.resize(32, '\0');
    const std::string modinfo = framed(modinfo_lines);
    blob += uvarint(go_version.size()) + std::string(go_version) + uvarint(modinfo.size()) + modinfo;

    std::string elf("\x7f" "ELF\x02\x01\x01", 7);
    put(elf, 0x10, 2, 2);            // ET_EXEC
    put(elf, 0x12, 62, 2);           // x86-64
    put(elf, 0x20, 0x40, 8);         // e_phoff
    put(elf, 0x36, 56, 2);           // e_phentsize
    put(elf, 0x38, 1, 2);            // e_phnum
    put(elf, 0x40, 1, 4);            // PT_LOAD
    put(elf, 0x44, 6, 4);            // PF_R | PF_W
    put(elf, 0x48, kDataOffset, 8);  // p_offset
    put(elf, 0x50, kDataAddress, 8);
    put(elf, 0x60, blob.size(), 8);  // p_filesz
    put(elf, 0x68, blob.size(), 8);  // p_memsz
    elf.resize(kDataOffset, '\0');
    return elf + blob;
}

// A 32-bit big-endian executable with a pre-1.18 header: pointers to Go string headers.
std::string elf32_pointers(std::string_view go_version, std::string_view modinfo_lines) {
    constexpr uint32_t kDataOffset = 0x60, kDataAddress = 0x10060;
    const std::string modinfo = framed(modinfo_lines);
    std::string data = "\xff Go buildinf:";
    data += '\x04';
    data += '\x01';  // big-endian pointers
    data.resize(32, '\0');
    const uint32_t version_header = kDataAddress + 32, modinfo_header = kDataAddress + 40;
    const uint32_t version_bytes = kDataAddress + 48;
    const uint32_t modinfo_bytes = version_bytes + static_cast<uint32_t>(go_version.size());
    put(data, 16, version_header, 4, true);
    put(data, 20, modinfo_header, 4, true);
    put(data, 32, version_bytes, 4, true);
    put(data, 36, go_version.size(), 4, true);
    put(data, 40, modinfo_bytes, 4, true);
    put(data, 44, modinfo.size(), 4, true);
    data += std::string(go_version) + modinfo;

    std::string elf("\x7f" "ELF\x01\x02\x01", 7);
    put(elf, 0x10, 2, 2, true);
    put(elf, 0x1c, 0x34, 4, true);  // e_phoff
    put(elf, 0x2a, 32, 2, true);    // e_phentsize
    put(elf, 0x2c, 1, 2, true);     // e_phnum
    put(elf, 0x34, 1, 4, true);     // PT_LOAD
    put(elf, 0x38, kDataOffset, 4, true);
    put(elf, 0x3c, kDataAddress, 4, true);
    put(elf, 0x44, data.size(), 4, true);  // p_filesz
    put(elf, 0x48, data.size(), 4, true);
    put(elf, 0x4c, 6, 4, true);  // PF_R | PF_W
    elf.resize(kDataOffset, '\0');
    return elf + data;
}

constexpr std::string_view kModinfo =
    "path\texample.com/app/cmd/app\n"
    "mod\texample.com/app\t(devel)\t\n"
    "dep\tgolang.org/x/text\tv0.3.5\th1:abc=\n"
    "dep\texample.com/old\tv1.0.0\th1:def=\n"
    "=>\texample.com/fork\tv1.0.1\th1:ghi=\n"
    "dep\texample.com/local\tv1.0.0\n"
    "=>\t../local\t(devel)\t\n"
    "build\t-ldflags=\"-s -X 'main.version=v2.1.0'\"\n";

const NameVersion kExpected = {{"stdlib", "v1.21.3"},
                               {"example.com/app", "v2.1.0"},
                               {"golang.org/x/text", "v0.3.5"},
                               {"example.com/fork", "v1.0.1"},
                               {"../local", ""}};

TEST(GoBinary, InlineStringLayout) {
    std::vector<std::string> warnings;
    EXPECT_EQ(name_versions(golang::parse_go_binary(elf64_inline("go1.21.3 X:boringcrypto", kModinfo), warnings)),
              kExpected);
    EXPECT_TRUE(warnings.empty());
}

TEST(GoBinary, PointerLayoutOf32BitBigEndian) {
    std::vector<std::string> warnings;
    EXPECT_EQ(name_versions(golang::parse_go_binary(elf32_pointers("go1.21.3", kModinfo), warnings)), kExpected);
    EXPECT_TRUE(warnings.empty());
}

TEST(GoBinary, RealVersionWinsOverLdflagsAndDevelWithoutStampIsEmpty) {
    std::vector<std::string> warnings;
    EXPECT_EQ(name_versions(golang::parse_go_binary(
                  elf64_inline("go1.22.1", "path\tx/cmd\nmod\tx\tv1.4.0\th1:=\nbuild\t-ldflags=-X main.version=9.9.9\n"),
                  warnings)),
              (NameVersion{{"stdlib", "v1.22.1"}, {"x", "v1.4.0"}}));
    EXPECT_EQ(name_versions(golang::parse_go_binary(elf64_inline("go1.22.1", "path\tx\nmod\tx\t(devel)\t\n"), warnings)),
              (NameVersion{{"stdlib", "v1.22.1"}, {"x", ""}}));
    // "go run"-style builds have no main module; development toolchains no stdlib version.
    EXPECT_EQ(name_versions(golang::parse_go_binary(elf64_inline("devel go1.23-abc", "path\tcommand-line-arguments\n"),
                                                    warnings)),
              NameVersion{});
}

TEST(GoBinary, NonGoAndDamagedElfFiles) {
    std::vector<std::string> warnings;
    std::string not_go = elf64_inline("go1.21.3", kModinfo);
    not_go[0x81] = 'X';  // break the magic
    EXPECT_TRUE(golang::parse_go_binary(not_go, warnings).empty());
    EXPECT_TRUE(warnings.empty());  // an ordinary C program is no warning

    std::string lying = elf64_inline("go1.21.3", kModinfo);
    put(lying, 0x20, 0xffffffffffff0000ull, 8);  // program headers beyond the file
    EXPECT_TRUE(golang::parse_go_binary(lying, warnings).empty());
    EXPECT_EQ(warnings.size(), 1u);

    std::string huge_string = elf64_inline("go1.21.3", kModinfo);
    huge_string[0x80 + 32] = '\xff';  // version length varint runs into the version bytes
    golang::parse_go_binary(huge_string, warnings);

    // Every truncation and every single-byte corruption of the header region stays in bounds.
    const std::string whole = elf32_pointers("go1.21.3", kModinfo);
    for (size_t cut = 0; cut <= whole.size(); ++cut) golang::parse_go_binary(whole.substr(0, cut), warnings);
    for (size_t at = 0; at < 0x60 + 64; ++at)
        for (int value : {0x00, 0x7f, 0xff}) {
            std::string corrupt = whole;
            corrupt[at] = static_cast<char>(value);
            golang::parse_go_binary(corrupt, warnings);
        }
}

TEST(GoBinary, OldGo115FixtureThroughPointers) {
    const auto bytes = read_file(fixtures() / "gobinary/trivy-gobinary-elf/input/usr/local/bin/test.elf");
    auto info = golang::read_go_build_info(bytes);
    ASSERT_TRUE(info.ok()) << info.error().message;
    ASSERT_TRUE(info->has_value());
    EXPECT_EQ((*info)->go_version, "go1.15.2");
    EXPECT_EQ((*info)->modinfo.rfind("path\tgithub.com/aquasecurity/test\nmod\t", 0), 0u) << (*info)->modinfo;
}

TEST(GoBinaryAnalyzer, AsksForExecutablesAndReadsOnlyElfFiles) {
    const GoBinaryAnalyzer analyzer;
    EXPECT_TRUE(analyzer.interest().elf_executables);
    testing::MemoryFileView files({{"usr/bin/app", elf64_inline("go1.21.3", kModinfo)},
                                   {"usr/bin/script", "#!/bin/sh\n"},
                                   {"app/go.mod", "module x\n"}},
                                  "sha256:layer");
    std::vector<std::string> warnings;
    const auto packages = analyzer.analyze(files, {}, warnings);
    EXPECT_EQ(name_versions(packages), kExpected);
    for (const auto& package : packages) {
        EXPECT_EQ(package.path, "usr/bin/app");
        EXPECT_EQ(package.layer, "sha256:layer");
    }
}

TEST(GoModAnalyzer, GoSumOnlyWithoutGoModBeside) {
    testing::MemoryFileView files({{"go.sum", "example.com/root v1.0.0 h1:=\n"},
                                   {"src/app/go.mod", "module app\ngo 1.21\nrequire example.com/a v1.0.0\n"},
                                   {"src/app/go.sum", "example.com/a v1.0.0 h1:=\nexample.com/b v1.0.0 h1:=\n"},
                                   {"src/app/notgo.mod", "module nope\n"}});
    std::vector<std::string> warnings;
    const auto packages = GoModAnalyzer().analyze(files, {}, warnings);
    std::set<std::tuple<std::string, std::string, std::string>> found;
    for (const auto& package : packages) found.insert({package.path, package.name, package.version});
    EXPECT_EQ(found, (std::set<std::tuple<std::string, std::string, std::string>>{
                         {"go.sum", "example.com/root", "v1.0.0"},
                         {"src/app/go.mod", "app", ""},
                         {"src/app/go.mod", "example.com/a", "v1.0.0"}}));
    const auto interest = GoModAnalyzer().interest();
    EXPECT_EQ(interest.exact, (std::vector<std::string>{"go.mod", "go.sum"}));
    EXPECT_EQ(interest.suffixes, (std::vector<std::string>{"/go.mod", "/go.sum"}));
}

}  // namespace
}  // namespace moat
