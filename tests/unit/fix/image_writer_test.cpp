// The fixed image's documents: config (diff_id and history appended), manifest (layer appended,
// media types of the input's family), index entry (added or replaced by tag), and where
// `moat fix` writes for each kind of input.
#include "fix/image_writer.h"

#include <gtest/gtest.h>

#include "fix_test_tree.h"

namespace moat::fix {
namespace {

using json = nlohmann::json;

WrittenLayer layer() {
    WrittenLayer out;
    out.digest = "sha256:" + std::string(64, 'a');
    out.diff_id = "sha256:" + std::string(64, 'b');
    out.size = 1234;
    return out;
}

TEST(FixedConfig, AppendsDiffIdAndHistoryKeepingTheRest) {
    json config = {
        {"architecture", "amd64"},
        {"config", {{"Env", {"PATH=/usr/bin"}}}},
        {"rootfs", {{"type", "layers"}, {"diff_ids", {"sha256:" + std::string(64, '1')}}}},
        {"history", {{{"created_by", "base"}}}}};
    HistoryNote note{"2026-11-23T00:00:00Z",
                     "moat fix: upgraded libssl3 3.0.11-1~deb12u2 -> 3.0.15-1~deb12u1 (CVE-1)",
                     "moat fix"};
    json fixed = fixed_config(config, layer().diff_id, note);
    ASSERT_EQ(fixed["rootfs"]["diff_ids"].size(), 2u);
    EXPECT_EQ(fixed["rootfs"]["diff_ids"][1], layer().diff_id);
    ASSERT_EQ(fixed["history"].size(), 2u);
    EXPECT_EQ(fixed["history"][1]["created_by"], note.created_by);
    EXPECT_FALSE(fixed["history"][1].contains("empty_layer"));
    EXPECT_EQ(fixed["config"]["Env"][0], "PATH=/usr/bin");
    EXPECT_EQ(fixed["architecture"], "amd64");
}

TEST(FixedManifest, OciManifestGetsAnOciLayer) {
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"config",
                      {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                       {"digest", "sha256:old"},
                       {"size", 1}}},
                     {"layers",
                      {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                        {"digest", "sha256:l1"},
                        {"size", 5}}}},
                     {"annotations", {{"org.example", "kept"}}}};
    json fixed = fixed_manifest(manifest, "sha256:newconfig", 99, layer());
    EXPECT_EQ(fixed["config"]["digest"], "sha256:newconfig");
    EXPECT_EQ(fixed["config"]["size"], 99);
    ASSERT_EQ(fixed["layers"].size(), 2u);
    EXPECT_EQ(fixed["layers"][0]["digest"], "sha256:l1");
    EXPECT_EQ(fixed["layers"][1]["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip");
    EXPECT_EQ(fixed["layers"][1]["digest"], layer().digest);
    EXPECT_EQ(fixed["layers"][1]["size"], 1234);
    EXPECT_EQ(fixed["annotations"]["org.example"], "kept");
}

TEST(FixedManifest, DockerManifestGetsADockerLayer) {
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
                     {"config",
                      {{"mediaType", "application/vnd.docker.container.image.v1+json"},
                       {"digest", "sha256:c"},
                       {"size", 1}}},
                     {"layers", json::array()}};
    json fixed = fixed_manifest(manifest, "sha256:newconfig", 10, layer());
    EXPECT_EQ(fixed["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
    EXPECT_EQ(fixed["config"]["mediaType"], "application/vnd.docker.container.image.v1+json");
    EXPECT_EQ(fixed["layers"][0]["mediaType"], "application/vnd.docker.image.rootfs.diff.tar.gzip");
}

TEST(IndexWithEntry, AddsANewTagAndKeepsTheOthers) {
    json index = {{"schemaVersion", 2},
                  {"manifests",
                   {{{"digest", "sha256:orig"},
                     {"annotations", {{"org.opencontainers.image.ref.name", "1.0"}}}}}}};
    json added = index_with_entry(index, "1.0_fix", "application/vnd.oci.image.manifest.v1+json",
                                  "sha256:new", 7);
    ASSERT_EQ(added["manifests"].size(), 2u);
    EXPECT_EQ(added["manifests"][0]["digest"], "sha256:orig");
    EXPECT_EQ(added["manifests"][1]["annotations"]["org.opencontainers.image.ref.name"], "1.0_fix");
    // Running again replaces the _fix entry; --overwrite replaces the original tag.
    json again = index_with_entry(added, "1.0_fix", "application/vnd.oci.image.manifest.v1+json",
                                  "sha256:newer", 7);
    ASSERT_EQ(again["manifests"].size(), 2u);
    EXPECT_EQ(again["manifests"][1]["digest"], "sha256:newer");
    json overwritten = index_with_entry(index, "1.0", "application/vnd.oci.image.manifest.v1+json",
                                        "sha256:new", 7);
    ASSERT_EQ(overwritten["manifests"].size(), 1u);
    EXPECT_EQ(overwritten["manifests"][0]["digest"], "sha256:new");
}

TEST(ResolveTarget, OciLayoutGetsTheFixTagInTheSameLayout) {
    auto target = resolve_target("oci:/images/app:1.0", "", false, {});
    ASSERT_TRUE(target.ok());
    EXPECT_EQ(target->kind, ImageTarget::Kind::OciLayout);
    EXPECT_EQ(target->path, "/images/app");
    EXPECT_EQ(target->tag, "1.0_fix");
    EXPECT_EQ(target->ref(), "oci:/images/app:1.0_fix");
    auto overwrite = resolve_target("oci:/images/app:1.0", "", true, {});
    ASSERT_TRUE(overwrite.ok());
    EXPECT_EQ(overwrite->tag, "1.0");
}

TEST(ResolveTarget, DockerArchiveGetsANewFileAndTag) {
    auto target = resolve_target("docker-archive:/images/app.tar", "", false, {"example/app:2.1"});
    ASSERT_TRUE(target.ok());
    EXPECT_EQ(target->kind, ImageTarget::Kind::DockerArchive);
    EXPECT_EQ(target->path, "/images/app_fix.tar");
    EXPECT_EQ(target->tag, "example/app:2.1_fix");
    auto elsewhere =
        resolve_target("docker-archive:/images/app.tar", "oci:/out", false, {"example/app:2.1"});
    ASSERT_TRUE(elsewhere.ok());
    EXPECT_EQ(elsewhere->kind, ImageTarget::Kind::OciLayout);
    EXPECT_EQ(elsewhere->path, "/out");
    EXPECT_EQ(elsewhere->tag, "2.1_fix");
}

TEST(ResolveTarget, NeverWritesOverTheInputArchive) {
    moat::testing::ScratchDir scratch;
    std::string file = (scratch.path() / "app.tar").string();
    moat::testing::write_file(file, "archive");
    auto same = resolve_target("docker-archive:" + file, "docker-archive:" + file, false,
                               {"example/app:1"});
    ASSERT_FALSE(same.ok());
    EXPECT_NE(same.error().message.find("overwrite the input archive"), std::string::npos);
    EXPECT_FALSE(resolve_target("docker-archive:" + file, "", true, {"example/app:1"}).ok());
}

TEST(ResolveTarget, RegistryImageGoesBackToItsRepositoryAsTagFix) {
    auto target = resolve_target("registry.example.invalid:5000/team/app:1.0", "", false, {});
    ASSERT_TRUE(target.ok()) << target.error().message;
    EXPECT_EQ(target->kind, ImageTarget::Kind::Registry);
    EXPECT_EQ(target->registry, "registry.example.invalid:5000");
    EXPECT_EQ(target->repository, "team/app");
    EXPECT_EQ(target->ref(), "registry.example.invalid:5000/team/app:1.0_fix");
    auto overwrite = resolve_target("registry.example.invalid/team/app:1.0", "", true, {});
    ASSERT_TRUE(overwrite.ok());
    EXPECT_EQ(overwrite->ref(), "registry.example.invalid/team/app:1.0");
}

TEST(ResolveTarget, RegistryOutputsTakeTheirTagOrTheFixTag) {
    auto named = resolve_target("oci:/images/app:1.0", "reg.example.invalid/other/app:patched", false, {});
    ASSERT_TRUE(named.ok());
    EXPECT_EQ(named->ref(), "reg.example.invalid/other/app:patched");
    auto untagged = resolve_target("oci:/images/app:1.0", "reg.example.invalid/other/app", false, {});
    ASSERT_TRUE(untagged.ok());
    EXPECT_EQ(untagged->ref(), "reg.example.invalid/other/app:1.0_fix");
    auto from_archive = resolve_target("docker-archive:/images/app.tar", "reg.example.invalid/x", false,
                                       {"example/app:2.1"});
    ASSERT_TRUE(from_archive.ok());
    EXPECT_EQ(from_archive->ref(), "reg.example.invalid/x:2.1_fix");
}

TEST(ResolveTarget, RegistryImageByDigestNeedsAnOutputName) {
    const std::string by_digest =
        "reg.example.invalid/team/app@sha256:" + std::string(64, 'a');
    auto target = resolve_target(by_digest, "", false, {});
    ASSERT_FALSE(target.ok());
    EXPECT_NE(target.error().message.find("--output HOST/REPO:TAG"), std::string::npos);
    EXPECT_TRUE(resolve_target(by_digest, "reg.example.invalid/team/app:fixed", false, {}).ok());
    EXPECT_FALSE(resolve_target("oci:/images/app:1.0", "reg.example.invalid/team/app@" +
                                                           by_digest.substr(by_digest.find('@') + 1),
                                false, {})
                     .ok());
}

}  // namespace
}  // namespace moat::fix
