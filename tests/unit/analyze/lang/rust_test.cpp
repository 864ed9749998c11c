#include <gtest/gtest.h>
#include <zlib.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "../../support/dir_file_view.h"
#include "../../support/elf_builder.h"
#include "../../support/fixture_cases.h"
#include "analyze/lang/rust/cargo_auditable.h"
#include "analyze/lang/rust/cargo_lock.h"

namespace moat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string zlib_compress(const std::string& text) {
    uLongf size = compressBound(text.size());
    std::string out(size, '\0');
    compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(text.data()), text.size(), 9);
    out.resize(size);
    return out;
}

std::multiset<std::string> ids(const std::vector<Package>& packages) {
    std::multiset<std::string> out;
    for (const auto& package : packages) out.insert(package.name + "@" + package.version);
    return out;
}

std::string mismatch(const json& expected, const std::vector<Package>& got) {
    std::multiset<std::string> want;
    for (const auto& package : expected["packages"])
        want.insert(package["name"].get<std::string>() + "@" + package["version"].get<std::string>());
    std::string problems;
    if (ids(got) != want) problems += " packages differ: got " + ::testing::PrintToString(ids(got));
    for (const auto& package : got)
        if (package.type != "cargo" || package.path.empty()) problems += " " + package.name + " type/path;";
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Every case in shared/fixtures/cargo and rust-binary, duplicates (git and registry regex) included.

TEST(CargoFixtures, EveryDefaultCaseMatchesThePeer) {
    testing::expect_default_fixture_cases_match("cargo", [](const fs::path& dir, const json& expected) {
        std::vector<std::string> warnings;
        return mismatch(expected, CargoLockAnalyzer().analyze(testing::DirFileView(dir / "input"), {}, warnings));
    });
}

TEST(RustBinaryFixtures, EveryDefaultCaseMatchesThePeer) {
    testing::expect_default_fixture_cases_match("rust-binary", [](const fs::path& dir, const json& expected) {
        std::vector<std::string> warnings;
        return mismatch(expected, RustBinaryAnalyzer().analyze(testing::DirFileView(dir / "input"), {}, warnings));
    });
}

// ---------------------------------------------------------------------------------------------
// Cargo.lock

TEST(CargoLock, Version1WithMetadataChecksumsAndMultilineStrings) {
    std::vector<std::string> warnings;
    const auto packages = parse_cargo_lock(
        "[[package]]\nname = \"normal\"\nversion = \"0.1.0\"\ndependencies = [\n \"libc 0.2.54 (registry+x)\",\n]\n\n"
        "[[package]]\nname = \"url\"\nversion = \"\"\"1.7.2\"\"\"\nsource = \"registry+x\"\n\n"
        "[metadata]\n\"checksum libc 0.2.54 (registry+x)\" = \"c678\"\n",
        warnings);
    EXPECT_EQ(ids(packages), (std::multiset<std::string>{"normal@0.1.0", "url@1.7.2"}));
    EXPECT_TRUE(warnings.empty());
}

TEST(CargoLock, SameCrateFromTwoSourcesIsTwoPackages) {
    std::vector<std::string> warnings;
    const auto packages = parse_cargo_lock(
        "version = 4\n[[package]]\nname = \"regex\"\nversion = \"1.11.1\"\nsource = \"registry+x\"\n"
        "[[package]]\nname = \"regex\"\nversion = \"1.11.1\"\nsource = \"git+https://example.invalid/regex#1a06\"\n"
        "[[package]]\nname = \"regex\"\nversion = \"1.11.1\"\nsource = \"registry+x\"\n",
        warnings);
    EXPECT_EQ(packages.size(), 2u);
}

TEST(CargoLock, DamagedFilesAreWarnings) {
    std::vector<std::string> warnings;
    EXPECT_TRUE(parse_cargo_lock("[[package]\nname = ", warnings).empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("malformed TOML at line 1"), std::string::npos) << warnings[0];
    warnings.clear();
    EXPECT_EQ(ids(parse_cargo_lock("[[package]]\nname = \"a\"\n[[package]]\nversion = \"1\"\n[[package]]\nname = \"b\"\n"
                                   "version = \"2\"\npackage = 3\n",
                                   warnings)),
              std::multiset<std::string>{"b@2"});
    EXPECT_EQ(warnings.size(), 2u);
    warnings.clear();
    // Found by fuzzing toml++ (an internal assertion): here simply malformed.
    EXPECT_TRUE(parse_cargo_lock("version = 3\n\n[+[package]]\nname = \"app\"\n", warnings).empty());
    EXPECT_EQ(warnings.size(), 1u);
    warnings.clear();
    EXPECT_TRUE(parse_cargo_lock("package = \"not a table\"\n", warnings).empty());
    EXPECT_TRUE(parse_cargo_lock("", warnings).empty());
    EXPECT_TRUE(warnings.empty());
}

TEST(CargoLock, DeepNestingAndLongKeysAreRefused) {
    std::vector<std::string> warnings;
    EXPECT_TRUE(parse_cargo_lock("x = " + std::string(100000, '[') + "\n", warnings).empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("nest deeper than"), std::string::npos) << warnings[0];
    // A header of 100000 dotted parts is no lock file: one warning, quickly.
    std::string deep = "[";
    for (int i = 0; i < 100000; ++i) deep += "a.";
    deep += "a]\nx = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\n";
    warnings.clear();
    EXPECT_TRUE(parse_cargo_lock(deep, warnings).empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("a key of more than"), std::string::npos) << warnings[0];
}

TEST(CargoLock, TomlSyntaxCargoMayWrite) {
    std::vector<std::string> warnings;
    const auto packages = parse_cargo_lock(
        "\xEF\xBB\xBF# comment\r\nversion = 3\r\n\r\n[[package]] # trailing comment\r\n"
        "\"name\" = 'literal-name'\r\nversion = \"1.0.0\\u002b\" # escaped\r\n"
        "dependencies = [\r\n \"a\", # one\r\n [\"nested\", {k = 1, j.k = true}],\r\n]\r\n"
        "source = \"\"\"\r\nregistry+x\"\"\"\r\n\r\n[patch.unused]\r\nname = \"not-a-package\"\r\n"
        "[[patch.unused-list]]\r\nname = \"x\"\r\nversion = \"9\"\r\n",
        warnings);
    EXPECT_EQ(ids(packages), std::multiset<std::string>{"literal-name@1.0.0+"});
    EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
}

TEST(CargoLockAnalyzer, FindsLockFilesAnywhere) {
    testing::MemoryFileView view({{"Cargo.lock", "[[package]]\nname = \"a\"\nversion = \"1\"\n"},
                                  {"src/app/Cargo.lock", "[[package]]\nname = \"b\"\nversion = \"2\"\n"},
                                  {"src/app/NotCargo.lock", "[[package]]\nname = \"c\"\nversion = \"3\"\n"}},
                                 "sha256:l");
    std::vector<std::string> warnings;
    const auto packages = CargoLockAnalyzer().analyze(view, {}, warnings);
    ASSERT_EQ(packages.size(), 2u);
    EXPECT_EQ(packages[1].path, "src/app/Cargo.lock");
    EXPECT_EQ(packages[1].layer, "sha256:l");
    const auto interest = CargoLockAnalyzer().interest();
    EXPECT_EQ(interest.exact, std::vector<std::string>{"Cargo.lock"});
    EXPECT_EQ(interest.suffixes, std::vector<std::string>{"/Cargo.lock"});
}

// ---------------------------------------------------------------------------------------------
// cargo-auditable

constexpr std::string_view kAuditJson =
    R"({"packages":[{"name":"app","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},)"
    R"({"name":"serde","version":"1.0.190","source":"crates.io"},)"
    R"({"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"}]})";

TEST(CargoAuditable, RuntimeCratesOnly) {
    std::vector<std::string> warnings;
    const auto packages = parse_cargo_auditable_json(kAuditJson, warnings);
    EXPECT_EQ(ids(packages), (std::multiset<std::string>{"app@0.1.0", "serde@1.0.190"}));
    EXPECT_EQ(packages[0].type, "cargo");
    EXPECT_TRUE(warnings.empty());
}

TEST(CargoAuditable, DamagedDocumentsAreWarnings) {
    for (const std::string& document : std::vector<std::string>{"", "[]", "{\"packages\":3}",
                                                                "{\"packages\":[{\"name\":1}]}", std::string(100000, '[')}) {
        std::vector<std::string> warnings;
        EXPECT_TRUE(parse_cargo_auditable_json(document, warnings).empty()) << document.substr(0, 20);
        EXPECT_EQ(warnings.size(), 1u) << document.substr(0, 20);
    }
}

TEST(CargoAuditable, BinariesOfEveryShape) {
    for (const bool is_64_bit : {true, false})
        for (const bool little_endian : {true, false}) {
            const auto binary = testing::ElfBuilder(is_64_bit, little_endian)
                                    .section(".text", "code")
                                    .section(".dep-v0", zlib_compress(std::string(kAuditJson)))
                                    .build();
            std::vector<std::string> warnings;
            EXPECT_EQ(parse_cargo_auditable_binary(binary, warnings).size(), 2u);
            EXPECT_TRUE(warnings.empty());
        }
    std::vector<std::string> warnings;
    EXPECT_TRUE(parse_cargo_auditable_binary(testing::ElfBuilder().section(".text", "c").build(), warnings).empty());
    EXPECT_TRUE(warnings.empty());  // a binary without the section is simply not audited
}

TEST(CargoAuditable, DecompressionBombAndDamagedStreams) {
    std::vector<std::string> warnings;
    // 64 MiB of spaces inflate past the 8 MiB cap: refused, without holding 64 MiB.
    const auto bomb = testing::ElfBuilder().section(".dep-v0", zlib_compress(std::string(64u << 20, ' '))).build();
    EXPECT_TRUE(parse_cargo_auditable_binary(bomb, warnings).empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("decompresses to more than"), std::string::npos) << warnings[0];

    const auto compressed = zlib_compress(std::string(kAuditJson));
    for (size_t cut = 0; cut < compressed.size(); cut += 5) {
        warnings.clear();
        const auto binary = testing::ElfBuilder().section(".dep-v0", compressed.substr(0, cut)).build();
        EXPECT_TRUE(parse_cargo_auditable_binary(binary, warnings).empty());
        EXPECT_EQ(warnings.size(), 1u) << cut;
    }
    warnings.clear();
    EXPECT_TRUE(parse_cargo_auditable_binary("\x7f" "ELF\2\1 truncated", warnings).empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("malformed ELF"), std::string::npos);
}

TEST(RustBinaryAnalyzer, ReadsOnlyElfFiles) {
    const auto binary = testing::ElfBuilder().section(".dep-v0", zlib_compress(std::string(kAuditJson))).build();
    testing::MemoryFileView view({{"usr/bin/app", binary}, {"etc/Cargo.lock.txt", "not elf"}}, "sha256:b");
    std::vector<std::string> warnings;
    const auto packages = RustBinaryAnalyzer().analyze(view, {}, warnings);
    ASSERT_EQ(packages.size(), 2u);
    EXPECT_EQ(packages[0].path, "usr/bin/app");
    EXPECT_EQ(packages[0].layer, "sha256:b");
    EXPECT_TRUE(warnings.empty());
    EXPECT_TRUE(RustBinaryAnalyzer().interest().elf_executables);
}

}  // namespace
}  // namespace moat
