#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "image/digest.h"
#include "registry/distribution/distribution_api.h"
#include "registry/distribution/manifest_document.h"
#include "registry/distribution/oci_names.h"
#include "registry/metadata/sqlite_metadata_store.h"
#include "unit/registry/registry_test_support.h"

namespace moat::registry {
namespace {

using nlohmann::json;
using testing::StringBody;

// Everything allowed except what a test switches off.
class ScriptedAccess final : public AccessControl {
public:
    AccessOutcome outcome = AccessOutcome::allowed;
    bool immutable = false;
    AccessDecision authorize(const HttpRequest&, std::string_view, RepositoryAction) override {
        return {outcome, {}, "no role"};
    }
    AccessDecision authorize_registry(const HttpRequest&) override { return {outcome, {}, {}}; }
    HttpResponse challenge(const HttpRequest&, std::string_view scope) override {
        HttpResponse response{401, {}, {}, {}};
        response.set_header("WWW-Authenticate", "Bearer scope=\"" + std::string(scope) + "\"");
        return response;
    }
    bool tag_is_immutable(std::string_view, std::string_view tag, std::string* reason) override {
        *reason = "tag " + std::string(tag) + " matches the immutable pattern v*";
        return immutable;
    }
};

class DistributionApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(blobs.initialize());
        ASSERT_TRUE(uploads.initialize());
        auto store = SqliteMetadataStore::open(dir.path() / "metadata.db");
        ASSERT_TRUE(store);
        metadata = std::move(*store);
        api = std::make_unique<DistributionApi>(blobs, uploads, *metadata, access);
    }

    HttpResponse call(std::string method, std::string target, std::string body = {}, HeaderList headers = {}) {
        HttpRequest request;
        request.method = std::move(method);
        size_t question = target.find('?');
        request.path = target.substr(0, question);
        if (question != std::string::npos) request.raw_query = target.substr(question + 1);
        request.headers = std::move(headers);
        StringBody request_body(std::move(body));
        request.body = &request_body;
        return api->handle(request);
    }

    static std::string error_code(const HttpResponse& response) {
        return json::parse(response.body)["errors"][0]["code"].get<std::string>();
    }

    // Pushes `content` as a blob of `repository` in one POST.
    std::string push_blob(const std::string& repository, const std::string& content) {
        std::string digest = sha256_digest(content);
        auto response = call("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + digest, content);
        EXPECT_EQ(response.status, 201);
        return digest;
    }

    std::string image_manifest(const std::string& repository, const std::string& layer_content,
                               const json& extra = json::object()) {
        std::string config = push_blob(repository, "{}");
        std::string layer = push_blob(repository, layer_content);
        json manifest{{"schemaVersion", 2},
                      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                      {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", config}, {"size", 2}}},
                      {"layers", json::array({{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                                               {"digest", layer},
                                               {"size", layer_content.size()}}})}};
        manifest.update(extra);
        return manifest.dump();
    }

    testing::TempDataDir dir;
    BlobStore blobs{dir.path()};
    UploadStore uploads{dir.path(), blobs};
    std::unique_ptr<MetadataStore> metadata;
    ScriptedAccess access;
    std::unique_ptr<DistributionApi> api;
};

TEST_F(DistributionApiTest, BaseEndpointAnswersAndChallenges) {
    EXPECT_EQ(call("GET", "/v2/").status, 200);
    access.outcome = AccessOutcome::unauthenticated;
    EXPECT_EQ(call("GET", "/v2/").status, 401);
    auto pull = call("GET", "/v2/team/app/tags/list");
    EXPECT_EQ(pull.status, 401);
    EXPECT_EQ(pull.headers[0].second, "Bearer scope=\"repository:team/app:pull\"");
    auto push = call("POST", "/v2/team/app/blobs/uploads/");
    EXPECT_EQ(push.headers[0].second, "Bearer scope=\"repository:team/app:pull,push\"");
    access.outcome = AccessOutcome::denied;
    auto denied = call("GET", "/v2/team/app/manifests/1.0");
    EXPECT_EQ(denied.status, 403);
    EXPECT_EQ(error_code(denied), "DENIED");
}

TEST_F(DistributionApiTest, ManifestPushPullAndDelete) {
    std::string body = image_manifest("team/app", "layer");
    std::string digest = sha256_digest(body);
    auto put = call("PUT", "/v2/team/app/manifests/1.0", body,
                    {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}});
    ASSERT_EQ(put.status, 201) << put.body;
    EXPECT_EQ(find_header(put.headers, "Docker-Content-Digest"), digest);
    EXPECT_EQ(find_header(put.headers, "Location"), "/v2/team/app/manifests/" + digest);

    for (const std::string& reference : std::vector<std::string>{"1.0", digest}) {
        auto get = call("GET", "/v2/team/app/manifests/" + reference);
        ASSERT_EQ(get.status, 200);
        EXPECT_EQ(get.body, body);
        EXPECT_EQ(find_header(get.headers, "Content-Type"), "application/vnd.oci.image.manifest.v1+json");
        EXPECT_EQ(find_header(get.headers, "Docker-Content-Digest"), digest);
    }
    EXPECT_EQ(error_code(call("GET", "/v2/team/other/manifests/1.0")), "MANIFEST_UNKNOWN");
    EXPECT_EQ(json::parse(call("GET", "/v2/team/app/tags/list").body)["tags"], json::array({"1.0"}));
    EXPECT_EQ(json::parse(call("GET", "/v2/_catalog").body)["repositories"], json::array({"team/app"}));

    EXPECT_EQ(call("DELETE", "/v2/team/app/manifests/1.0").status, 202) << "tag deletion";
    EXPECT_EQ(call("GET", "/v2/team/app/manifests/1.0").status, 404);
    EXPECT_EQ(call("GET", "/v2/team/app/manifests/" + digest).status, 200);
    EXPECT_EQ(call("DELETE", "/v2/team/app/manifests/" + digest).status, 202);
    EXPECT_EQ(error_code(call("GET", "/v2/team/app/manifests/" + digest)), "MANIFEST_UNKNOWN");
}

TEST_F(DistributionApiTest, ManifestsThatDoNotHoldTogetherAreRefused) {
    json missing{{"schemaVersion", 2},
                 {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                 {"config", {{"mediaType", "x"}, {"digest", sha256_digest("absent")}, {"size", 1}}},
                 {"layers", json::array()}};
    auto refused = call("PUT", "/v2/team/app/manifests/1.0", missing.dump());
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(error_code(refused), "MANIFEST_BLOB_UNKNOWN");

    std::string body = image_manifest("team/app", "layer");
    EXPECT_EQ(error_code(call("PUT", "/v2/team/app/manifests/" + sha256_digest("other"), body)), "DIGEST_INVALID");
    EXPECT_EQ(error_code(call("PUT", "/v2/team/app/manifests/1.0", "{not json")), "MANIFEST_INVALID");
    EXPECT_EQ(error_code(call("PUT", "/v2/team/app/manifests/1.0", body, {{"Content-Type", std::string(kDockerManifest)}})),
              "MANIFEST_INVALID")
        << "mediaType and Content-Type disagree";
    json index{{"schemaVersion", 2},
               {"mediaType", "application/vnd.oci.image.index.v1+json"},
               {"manifests", json::array({{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                                           {"digest", sha256_digest(body)},
                                           {"size", body.size()}}})}};
    EXPECT_EQ(error_code(call("PUT", "/v2/team/app/manifests/multi", index.dump())), "MANIFEST_BLOB_UNKNOWN");
    ASSERT_EQ(call("PUT", "/v2/team/app/manifests/" + sha256_digest(body), body).status, 201);
    EXPECT_EQ(call("PUT", "/v2/team/app/manifests/multi", index.dump()).status, 201);
    EXPECT_EQ(error_code(call("GET", "/v2/Team/App/tags/list")), "NAME_INVALID");
}

TEST_F(DistributionApiTest, ImmutableTagIsNotOverwritten) {
    std::string first = image_manifest("team/app", "one");
    ASSERT_EQ(call("PUT", "/v2/team/app/manifests/v1", first).status, 201);
    access.immutable = true;
    EXPECT_EQ(call("PUT", "/v2/team/app/manifests/v1", first).status, 201) << "the same manifest again is fine";
    auto refused = call("PUT", "/v2/team/app/manifests/v1", image_manifest("team/app", "two"));
    EXPECT_EQ(refused.status, 403);
    EXPECT_EQ(error_code(refused), "DENIED");
    EXPECT_NE(refused.body.find("immutable pattern v*"), std::string::npos) << refused.body;
    EXPECT_EQ(call("GET", "/v2/team/app/manifests/v1").body, first);
}

TEST_F(DistributionApiTest, ChunkedUploadWithStatusAndOutOfOrderChunk) {
    auto start = call("POST", "/v2/team/app/blobs/uploads/");
    ASSERT_EQ(start.status, 202);
    std::string location(find_header(start.headers, "Location"));
    auto first = call("PATCH", location, "hello ", {{"Content-Range", "0-5"}});
    EXPECT_EQ(first.status, 202);
    EXPECT_EQ(find_header(first.headers, "Range"), "0-5");
    auto out_of_order = call("PATCH", location, "world", {{"Content-Range", "10-14"}});
    EXPECT_EQ(out_of_order.status, 416);
    auto status = call("GET", location);
    EXPECT_EQ(status.status, 204);
    EXPECT_EQ(find_header(status.headers, "Range"), "0-5");
    std::string digest = sha256_digest("hello world");
    auto done = call("PUT", location + "?digest=" + digest, "world", {{"Content-Range", "6-10"}});
    ASSERT_EQ(done.status, 201) << done.body;
    EXPECT_EQ(find_header(done.headers, "Location"), "/v2/team/app/blobs/" + digest);
    EXPECT_EQ(error_code(call("GET", location)), "BLOB_UPLOAD_UNKNOWN");

    auto blob = call("GET", "/v2/team/app/blobs/" + digest);
    ASSERT_EQ(blob.status, 200);
    ASSERT_TRUE(blob.file);
    EXPECT_EQ(blob.file->length, 11u);
    auto range = call("GET", "/v2/team/app/blobs/" + digest, {}, {{"Range", "bytes=6-"}});
    EXPECT_EQ(range.status, 206);
    EXPECT_EQ(find_header(range.headers, "Content-Range"), "bytes 6-10/11");
    EXPECT_EQ(range.file->offset, 6u);
    EXPECT_EQ(call("GET", "/v2/team/app/blobs/" + digest, {}, {{"Range", "bytes=20-30"}}).status, 416);
    EXPECT_EQ(call("GET", "/v2/team/other/blobs/" + digest).status, 404) << "blobs are per repository";

    auto wrong = call("POST", "/v2/team/app/blobs/uploads/?digest=" + sha256_digest("x"), "y");
    EXPECT_EQ(error_code(wrong), "DIGEST_INVALID");
    EXPECT_FALSE(blobs.contains(sha256_digest("y")));
}

TEST_F(DistributionApiTest, CrossRepositoryMountAndCancel) {
    std::string digest = push_blob("team/app", "shared layer");
    auto mounted = call("POST", "/v2/team/copy/blobs/uploads/?mount=" + digest + "&from=team/app");
    EXPECT_EQ(mounted.status, 201);
    EXPECT_EQ(call("HEAD", "/v2/team/copy/blobs/" + digest).status, 200);
    auto fallback = call("POST", "/v2/team/copy/blobs/uploads/?mount=" + sha256_digest("nope") + "&from=team/app");
    ASSERT_EQ(fallback.status, 202);
    std::string location(find_header(fallback.headers, "Location"));
    EXPECT_EQ(call("DELETE", location).status, 204);
    EXPECT_EQ(call("DELETE", location).status, 404);
    EXPECT_EQ(call("DELETE", "/v2/team/copy/blobs/" + digest).status, 202);
    EXPECT_EQ(error_code(call("HEAD", "/v2/team/copy/blobs/" + digest)), "BLOB_UNKNOWN");
}

TEST_F(DistributionApiTest, ReferrersListsManifestsWithTheSubject) {
    std::string subject_body = image_manifest("team/app", "image");
    std::string subject = sha256_digest(subject_body);
    ASSERT_EQ(call("PUT", "/v2/team/app/manifests/1.0", subject_body).status, 201);
    auto empty = call("GET", "/v2/team/app/referrers/" + subject);
    ASSERT_EQ(empty.status, 200);
    EXPECT_TRUE(json::parse(empty.body)["manifests"].empty());

    json subject_descriptor{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                            {"digest", subject},
                            {"size", subject_body.size()}};
    for (std::string type : {"application/vnd.example.sig", "application/vnd.example.sbom"}) {
        std::string body = image_manifest("team/app", type, {{"artifactType", type},
                                                              {"subject", subject_descriptor},
                                                              {"annotations", {{"kind", type}}}});
        auto put = call("PUT", "/v2/team/app/manifests/" + sha256_digest(body), body);
        ASSERT_EQ(put.status, 201);
        EXPECT_EQ(find_header(put.headers, "OCI-Subject"), subject);
    }
    auto all = json::parse(call("GET", "/v2/team/app/referrers/" + subject).body);
    EXPECT_EQ(all["manifests"].size(), 2u);
    auto filtered = call("GET", "/v2/team/app/referrers/" + subject + "?artifactType=application/vnd.example.sig");
    EXPECT_EQ(find_header(filtered.headers, "OCI-Filters-Applied"), "artifactType");
    auto only = json::parse(filtered.body)["manifests"];
    ASSERT_EQ(only.size(), 1u);
    EXPECT_EQ(only[0]["artifactType"], "application/vnd.example.sig");
    EXPECT_EQ(only[0]["annotations"]["kind"], "application/vnd.example.sig");
}

TEST_F(DistributionApiTest, TagListPaginatesWithLink) {
    std::string body = image_manifest("team/app", "layer");
    for (std::string tag : {"c", "a", "b"}) ASSERT_EQ(call("PUT", "/v2/team/app/manifests/" + tag, body).status, 201);
    auto page = call("GET", "/v2/team/app/tags/list?n=2");
    EXPECT_EQ(json::parse(page.body)["tags"], json::array({"a", "b"}));
    EXPECT_EQ(find_header(page.headers, "Link"), "</v2/team/app/tags/list?n=2&last=b>; rel=\"next\"");
    EXPECT_EQ(json::parse(call("GET", "/v2/team/app/tags/list?n=2&last=b").body)["tags"], json::array({"c"}));
    EXPECT_EQ(error_code(call("GET", "/v2/team/none/tags/list")), "NAME_UNKNOWN");
}

TEST(RegistryNames, FollowTheSpecGrammar) {
    for (std::string_view good : {"app", "team/app", "a.b_c__d---e/f0", "x/y/z"}) EXPECT_TRUE(is_repository_name(good)) << good;
    for (std::string_view bad : {"", "App", "team//app", "/app", "app/", "a..b", "a___b", "-a", "a-", "../x"})
        EXPECT_FALSE(is_repository_name(bad)) << bad;
    EXPECT_TRUE(is_tag("v1.0-rc_1"));
    EXPECT_FALSE(is_tag(".hidden"));
    EXPECT_FALSE(is_tag(std::string(129, 'a')));
}

}  // namespace
}  // namespace moat::registry
