#include <gtest/gtest.h>

#include "analyze/lang/javascript/block_yaml.h"

namespace moat {
namespace {

TEST(BlockYaml, ReadsNestedMappingsQuotedKeysAndFlowValues) {
    std::vector<std::string> warnings;
    const auto documents = parse_block_yaml(
        "lockfileVersion: '9.0'\n"
        "# a comment\n"
        "packages:\n\n"
        "  '@babel/core@7.24.7':\n"
        "    resolution: {integrity: sha512-4Rj, tarball: file:x}\n"
        "    engines: {node: '>=6.9.0'}\n"
        "    cpu: [x64]\n"
        "  \"it\\\"s@1.0.0\":\n"
        "    version: 1.0.0 # trailing comment\n"
        "    os:\n"
        "    - linux\n"
        "    - darwin\n",
        warnings);
    ASSERT_EQ(documents.size(), 1u);
    EXPECT_TRUE(warnings.empty());
    const auto& doc = documents[0];
    EXPECT_EQ(doc.child_value(doc.root(), "lockfileVersion"), "9.0");
    const auto* packages = doc.child(doc.root(), "packages");
    ASSERT_NE(packages, nullptr);
    const auto entries = doc.children(*packages);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0]->key, "@babel/core@7.24.7");
    EXPECT_EQ(doc.child_value(*entries[0], "resolution"), "{integrity: sha512-4Rj, tarball: file:x}");
    EXPECT_EQ(doc.child_value(*entries[0], "cpu"), "[x64]");
    EXPECT_EQ(entries[1]->key, "it\"s@1.0.0");
    EXPECT_EQ(doc.child_value(*entries[1], "version"), "1.0.0");
    const auto* os = doc.child(*entries[1], "os");
    ASSERT_NE(os, nullptr);
    const auto items = doc.children(*os);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_TRUE(items[1]->sequence_item);
    EXPECT_EQ(items[1]->value, "darwin");
}

TEST(BlockYaml, KeysMayHoldColonsWithoutASpace) {
    std::vector<std::string> warnings;
    const auto documents = parse_block_yaml(
        "snapshots:\n  debug@https://github.com/debug-js/debug/tarball/4.3.5:\n    a: b\n", warnings);
    ASSERT_EQ(documents.size(), 1u);
    const auto& doc = documents[0];
    const auto entries = doc.children(*doc.child(doc.root(), "snapshots"));
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0]->key, "debug@https://github.com/debug-js/debug/tarball/4.3.5");
    EXPECT_EQ(doc.child_value(*entries[0], "a"), "b");
}

TEST(BlockYaml, SplitsDocumentsAndSkipsEmptyOnes) {
    std::vector<std::string> warnings;
    const auto documents = parse_block_yaml("---\na: 1\n---\n---\nb: 2\n...\n", warnings);
    ASSERT_EQ(documents.size(), 2u);
    EXPECT_EQ(documents[0].child_value(documents[0].root(), "a"), "1");
    EXPECT_EQ(documents[1].child_value(documents[1].root(), "b"), "2");
}

TEST(BlockYaml, UnescapedScalarsSurviveManyDocuments) {
    std::string text;
    for (int i = 0; i < 100; ++i) text += "---\nkey: 'it''s " + std::to_string(i) + "'\n";
    std::vector<std::string> warnings;
    const auto documents = parse_block_yaml(text, warnings);
    ASSERT_EQ(documents.size(), 100u);
    for (int i = 0; i < 100; ++i)
        EXPECT_EQ(documents[i].child_value(documents[i].root(), "key"), "it's " + std::to_string(i));
}

TEST(BlockYaml, FlowCollectionsAndBlockScalarsOverSeveralLinesDoNotMakeEntries) {
    std::vector<std::string> warnings;
    const auto documents = parse_block_yaml(
        "a: {x: 1,\n  y: 2}\n"
        "b: |\n  not: a key\n  neither: this\n"
        "c: 3\n",
        warnings);
    ASSERT_EQ(documents.size(), 1u);
    const auto& doc = documents[0];
    EXPECT_EQ(doc.children(doc.root()).size(), 3u);
    EXPECT_EQ(doc.child_value(doc.root(), "a"), "{x: 1,\n  y: 2}");
    EXPECT_EQ(doc.child_value(doc.root(), "c"), "3");
}

TEST(BlockYaml, NestingBeyondTheLimitIsDroppedWithOneWarning) {
    std::string text;
    for (size_t depth = 0; depth < 3 * kMaxBlockYamlDepth; ++depth)
        text += std::string(depth, ' ') + "k:\n";
    text += "after: yes\n";
    std::vector<std::string> warnings;
    const auto documents = parse_block_yaml(text, warnings);
    ASSERT_EQ(documents.size(), 1u);
    EXPECT_EQ(warnings.size(), 1u);
    EXPECT_EQ(documents[0].child_value(documents[0].root(), "after"), "yes");
}

}  // namespace
}  // namespace moat
