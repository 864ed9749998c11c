#include <gtest/gtest.h>

#include "image/digest.h"
#include "registry/metadata/sqlite_metadata_store.h"
#include "unit/registry/registry_test_support.h"

namespace moat::registry {
namespace {

ManifestRecord manifest(std::string content, std::string subject = "", std::string artifact_type = "") {
    ManifestRecord record;
    record.digest = sha256_digest(content);
    record.media_type = "application/vnd.oci.image.manifest.v1+json";
    record.size = content.size();
    record.subject = std::move(subject);
    record.artifact_type = std::move(artifact_type);
    record.blobs = {sha256_digest(content + "-config")};
    return record;
}

TEST(RegistrySqliteMetadata, TagsPageInOrder) {
    testing::TempDataDir dir;
    auto store = SqliteMetadataStore::open(dir.path() / "metadata.db");
    ASSERT_TRUE(store);
    auto one = manifest("one");
    for (std::string tag : {"b", "a", "d", "c"}) ASSERT_TRUE((*store)->put_manifest("team/app", one, tag));
    EXPECT_EQ(*(*store)->list_tags("team/app", {}), (std::vector<std::string>{"a", "b", "c", "d"}));
    EXPECT_EQ(*(*store)->list_tags("team/app", {"b", 1}), (std::vector<std::string>{"c"}));
    EXPECT_TRUE((*store)->list_tags("team/app", {"", 0})->empty());
    EXPECT_EQ(*(*store)->resolve_tag("team/app", "c"), one.digest);
    EXPECT_TRUE(*(*store)->repository_exists("team/app"));
    EXPECT_FALSE(*(*store)->repository_exists("team/other"));
    EXPECT_EQ(*(*store)->list_repositories({}), (std::vector<std::string>{"team/app"}));

    ASSERT_TRUE(*(*store)->delete_tag("team/app", "a"));
    EXPECT_FALSE(*(*store)->delete_tag("team/app", "a"));
    ASSERT_TRUE(*(*store)->delete_manifest("team/app", one.digest));
    EXPECT_TRUE((*store)->list_tags("team/app", {})->empty()) << "deleting a manifest removes its tags";
    EXPECT_FALSE((*(*store)->get_manifest("team/app", one.digest)).has_value());
}

TEST(RegistrySqliteMetadata, ReferrersBySubjectAndArtifactType) {
    testing::TempDataDir dir;
    auto store = SqliteMetadataStore::open(dir.path() / "metadata.db");
    ASSERT_TRUE(store);
    auto subject = manifest("subject");
    ASSERT_TRUE((*store)->put_manifest("team/app", subject, "1.0"));
    ASSERT_TRUE((*store)->put_manifest("team/app", manifest("sig", subject.digest, "application/sig"), ""));
    ASSERT_TRUE((*store)->put_manifest("team/app", manifest("sbom", subject.digest, "application/sbom"), ""));
    ASSERT_TRUE((*store)->put_manifest("team/other", manifest("x", subject.digest, "application/sig"), ""));
    EXPECT_EQ((*store)->referrers("team/app", subject.digest, "")->size(), 2u);
    auto sigs = (*store)->referrers("team/app", subject.digest, "application/sig");
    ASSERT_EQ(sigs->size(), 1u);
    EXPECT_EQ((*sigs)[0].digest, sha256_digest("sig"));
    auto referenced = (*store)->referenced_digests();
    EXPECT_NE(std::find(referenced->begin(), referenced->end(), sha256_digest("sig-config")), referenced->end());
}

TEST(RegistrySqliteMetadata, BlobLinksArePerRepository) {
    testing::TempDataDir dir;
    auto store = SqliteMetadataStore::open(dir.path() / "metadata.db");
    ASSERT_TRUE(store);
    std::string digest = sha256_digest("blob");
    ASSERT_TRUE((*store)->link_blob("team/app", digest));
    EXPECT_TRUE(*(*store)->blob_linked("team/app", digest));
    EXPECT_FALSE(*(*store)->blob_linked("team/other", digest));
    EXPECT_TRUE(*(*store)->unlink_blob("team/app", digest));
    EXPECT_FALSE(*(*store)->blob_linked("team/app", digest));
}

}  // namespace
}  // namespace moat::registry
