#include <gtest/gtest.h>

#include "image/digest.h"
#include "registry/garbage_collector.h"
#include "registry/metadata/sqlite_metadata_store.h"
#include "unit/registry/registry_test_support.h"

namespace moat::registry {
namespace {

TEST(RegistryGarbageCollector, RemovesOnlyUnreferencedBlobsOlderThanTheGracePeriod) {
    testing::TempDataDir dir;
    BlobStore blobs(dir.path());
    ASSERT_TRUE(blobs.initialize());
    UploadStore uploads(dir.path(), blobs);
    ASSERT_TRUE(uploads.initialize());
    auto metadata = SqliteMetadataStore::open(dir.path() / "metadata.db");
    ASSERT_TRUE(metadata);
    std::string kept_layer = *blobs.put_bytes("layer in use");
    std::string orphan = *blobs.put_bytes("layer of a deleted image");
    std::string manifest_bytes = "{\"manifest\":1}";
    ManifestRecord manifest;
    manifest.digest = *blobs.put_bytes(manifest_bytes);
    manifest.media_type = "application/vnd.oci.image.manifest.v1+json";
    manifest.size = manifest_bytes.size();
    manifest.blobs = {kept_layer};
    ASSERT_TRUE((*metadata)->put_manifest("team/app", manifest, "1.0"));
    ASSERT_TRUE((*metadata)->link_blob("team/app", orphan));

    GarbageCollectionOptions options;
    auto young = collect_garbage(blobs, uploads, **metadata, options);
    ASSERT_TRUE(young);
    EXPECT_EQ(young->blobs_removed, 0u) << "a blob inside the grace period may belong to a push in progress";

    options.grace = std::chrono::seconds(0);
    auto swept = collect_garbage(blobs, uploads, **metadata, options);
    ASSERT_TRUE(swept);
    EXPECT_EQ(swept->blobs_removed, 1u);
    EXPECT_FALSE(blobs.contains(orphan));
    EXPECT_FALSE(*(*metadata)->blob_linked("team/app", orphan));
    EXPECT_TRUE(blobs.contains(kept_layer));
    EXPECT_TRUE(blobs.contains(manifest.digest));
}

}  // namespace
}  // namespace moat::registry
