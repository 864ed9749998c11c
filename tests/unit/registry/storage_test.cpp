#include <fstream>

#include <gtest/gtest.h>

#include "image/digest.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/upload_store.h"
#include "unit/registry/registry_test_support.h"

namespace moat::registry {
namespace {

using testing::BrokenBody;
using testing::StringBody;
using testing::TempDataDir;

std::string file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(RegistryBlobStore, StoresContentUnderItsDigest) {
    TempDataDir dir;
    BlobStore blobs(dir.path());
    ASSERT_TRUE(blobs.initialize());
    auto digest = blobs.put_bytes("hello");
    ASSERT_TRUE(digest);
    EXPECT_EQ(*digest, sha256_digest("hello"));
    std::string hex(digest_hex(*digest));
    EXPECT_EQ(blobs.path_of(*digest), dir.path() / "blobs" / "sha256" / hex.substr(0, 2) / hex);
    EXPECT_EQ(file_bytes(blobs.path_of(*digest)), "hello");
    EXPECT_EQ(blobs.size_of(*digest), 5u);
    EXPECT_FALSE(blobs.contains(sha256_digest("other")));
    EXPECT_FALSE(blobs.contains("sha256:../../etc/passwd"));
    ASSERT_EQ(blobs.list().size(), 1u);
    EXPECT_TRUE(blobs.remove(*digest));
    EXPECT_FALSE(blobs.contains(*digest));
}

TEST(RegistryUploadStore, ChunksInOrderBecomeAVerifiedBlob) {
    TempDataDir dir;
    BlobStore blobs(dir.path());
    ASSERT_TRUE(blobs.initialize());
    UploadStore uploads(dir.path(), blobs);
    ASSERT_TRUE(uploads.initialize());
    auto id = uploads.create("team/app");
    ASSERT_TRUE(id);
    EXPECT_TRUE(is_upload_id(*id));
    StringBody first("hello ");
    EXPECT_EQ(uploads.append(*id, "team/app", first, 0).size, 6u);
    StringBody wrong_offset("x");
    EXPECT_EQ(uploads.append(*id, "team/app", wrong_offset, 3).failure, UploadFailure::out_of_order);
    StringBody second("world");
    EXPECT_EQ(uploads.append(*id, "team/app", second, 6).size, 11u);
    EXPECT_EQ(uploads.size(*id, "other/repo"), std::nullopt) << "a session belongs to one repository";
    EXPECT_EQ(uploads.finish(*id, "team/app", sha256_digest("hello x")).failure, UploadFailure::digest_mismatch);
    EXPECT_FALSE(blobs.contains(sha256_digest("hello x")));
    auto done = uploads.finish(*id, "team/app", sha256_digest("hello world"));
    EXPECT_TRUE(done.ok()) << done.message;
    EXPECT_EQ(file_bytes(blobs.path_of(sha256_digest("hello world"))), "hello world");
    EXPECT_EQ(uploads.size(*id, "team/app"), std::nullopt) << "the session ends with the upload";
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "uploads" / *id));
}

TEST(RegistryUploadStore, SessionSurvivesARestartAndDropsAnUnacknowledgedTail) {
    TempDataDir dir;
    BlobStore blobs(dir.path());
    ASSERT_TRUE(blobs.initialize());
    std::string id;
    {
        UploadStore uploads(dir.path(), blobs);
        ASSERT_TRUE(uploads.initialize());
        id = *uploads.create("team/app");
        StringBody first("abc");
        ASSERT_TRUE(uploads.append(id, "team/app", first, std::nullopt).ok());
        BrokenBody cut("def");  // written to disk, never acknowledged
        EXPECT_EQ(uploads.append(id, "team/app", cut, std::nullopt).failure, UploadFailure::body_error);
    }
    UploadStore restarted(dir.path(), blobs);
    EXPECT_EQ(restarted.size(id, "team/app"), 3u);
    StringBody rest("xyz");
    EXPECT_EQ(restarted.append(id, "team/app", rest, 3).size, 6u);
    auto done = restarted.finish(id, "team/app", sha256_digest("abcxyz"));
    EXPECT_TRUE(done.ok()) << done.message;
    EXPECT_EQ(file_bytes(blobs.path_of(sha256_digest("abcxyz"))), "abcxyz");
}

TEST(RegistryUploadStore, CancelRemovesTheSession) {
    TempDataDir dir;
    BlobStore blobs(dir.path());
    ASSERT_TRUE(blobs.initialize());
    UploadStore uploads(dir.path(), blobs);
    ASSERT_TRUE(uploads.initialize());
    auto id = *uploads.create("team/app");
    EXPECT_TRUE(uploads.cancel(id, "team/app"));
    EXPECT_FALSE(uploads.cancel(id, "team/app"));
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "uploads" / id));
    EXPECT_EQ(uploads.size("../../etc", "team/app"), std::nullopt);
}

}  // namespace
}  // namespace moat::registry
