#include "registry/api/admin_api.h"

#include <nlohmann/json.hpp>

#include "unit/registry_auth/auth_test_support.h"

namespace moat::registry::testing {
namespace {

class AdminApiTest : public AuthFixture {
protected:
    void SetUp() override {
        AuthFixture::SetUp();
        ASSERT_TRUE(store_->ensure_admin("admin-password").ok());
        api_ = std::make_unique<AdminApi>(*access_);
    }

    HttpResponse call(std::string method, std::string path, std::string authorization, std::string body = {}) {
        TestRequest test(std::move(method), std::move(path), std::move(authorization), std::move(body));
        return api_->handle(test.request);
    }
    std::string admin() { return basic("admin", "admin-password"); }

    static std::string error_of(const HttpResponse& response) {
        auto body = nlohmann::json::parse(response.body, nullptr, false);
        return body.is_object() && body.contains("error") ? body["error"].get<std::string>() : response.body;
    }

    std::unique_ptr<AdminApi> api_;
};

TEST_F(AdminApiTest, AdminCreatesNamespaceUserAndMember) {
    auto ns = call("POST", "/api/v1/namespaces", admin(), R"({"name": "team", "public": true})");
    EXPECT_EQ(ns.status, 201) << ns.body;
    EXPECT_EQ(call("POST", "/api/v1/namespaces", admin(), R"({"name": "team"})").status, 409);
    auto user = call("POST", "/api/v1/users", admin(), R"({"name": "dev", "password": "dev-password"})");
    EXPECT_EQ(user.status, 201) << user.body;
    EXPECT_EQ(call("POST", "/api/v1/users", admin(), R"({"name": "dev", "password": "dev-password"})").status, 409);
    auto member = call("PUT", "/api/v1/namespaces/team/members/dev", admin(), R"({"role": "push"})");
    EXPECT_EQ(member.status, 200) << member.body;
    EXPECT_EQ(*store_->role_of("team", "dev"), NamespaceRole::push);

    auto listed = call("GET", "/api/v1/namespaces", admin());
    ASSERT_EQ(listed.status, 200);
    EXPECT_EQ(nlohmann::json::parse(listed.body)["namespaces"],
              nlohmann::json::parse(R"([{"name": "team", "public": true}])"));
    auto members = call("GET", "/api/v1/namespaces/team/members", admin());
    ASSERT_EQ(members.status, 200);
    EXPECT_EQ(nlohmann::json::parse(members.body)["members"][0]["role"], "push");

    EXPECT_EQ(call("DELETE", "/api/v1/namespaces/team/members/dev", admin()).status, 204);
    EXPECT_EQ(call("DELETE", "/api/v1/namespaces/team/members/dev", admin()).status, 404);
}

TEST_F(AdminApiTest, NonAdminIsRefusedAndAnonymousIsAskedToLogIn) {
    ASSERT_TRUE(*store_->create_user("dev", "dev-password"));
    auto refused = call("POST", "/api/v1/namespaces", basic("dev", "dev-password"), R"({"name": "team"})");
    EXPECT_EQ(refused.status, 403);
    EXPECT_NE(error_of(refused).find("dev"), std::string::npos);
    EXPECT_EQ(call("POST", "/api/v1/users", basic("dev", "dev-password"), R"({"name": "x", "password": "12345678"})").status,
              403);
    auto anonymous = call("POST", "/api/v1/namespaces", "", R"({"name": "team"})");
    EXPECT_EQ(anonymous.status, 401);
    EXPECT_FALSE(find_header(anonymous.headers, "WWW-Authenticate").empty());
    EXPECT_EQ(call("POST", "/api/v1/namespaces", basic("admin", "wrong"), R"({"name": "team"})").status, 401);
    EXPECT_FALSE(store_->find_namespace("team")->has_value());
}

TEST_F(AdminApiTest, BadBodiesAndNamesAre400NamingTheInput) {
    EXPECT_EQ(call("POST", "/api/v1/namespaces", admin(), "{not json").status, 400);
    EXPECT_EQ(call("POST", "/api/v1/namespaces", admin(), "[]").status, 400);
    EXPECT_EQ(call("POST", "/api/v1/namespaces", admin(), R"({"name": 5})").status, 400);
    auto bad_name = call("POST", "/api/v1/namespaces", admin(), R"({"name": "Team!"})");
    EXPECT_EQ(bad_name.status, 400);
    EXPECT_NE(error_of(bad_name).find("Team!"), std::string::npos) << bad_name.body;
    EXPECT_EQ(call("POST", "/api/v1/namespaces", admin(), R"({"name": "team", "public": "yes"})").status, 400);
    EXPECT_EQ(call("POST", "/api/v1/users", admin(), R"({"name": "dev", "password": "short"})").status, 400);
    ASSERT_EQ(call("POST", "/api/v1/namespaces", admin(), R"({"name": "team"})").status, 201);
    auto role = call("PUT", "/api/v1/namespaces/team/members/dev", admin(), R"({"role": "owner"})");
    EXPECT_EQ(role.status, 400);
    EXPECT_NE(error_of(role).find("role"), std::string::npos);
    auto missing_user = call("PUT", "/api/v1/namespaces/team/members/ghost", admin(), R"({"role": "pull"})");
    EXPECT_EQ(missing_user.status, 404);
    EXPECT_NE(error_of(missing_user).find("ghost"), std::string::npos);
    EXPECT_EQ(call("PUT", "/api/v1/namespaces/nope/members/ghost", admin(), R"({"role": "pull"})").status, 404);
    EXPECT_EQ(call("GET", "/api/v1/unknown", admin()).status, 404);
}

TEST_F(AdminApiTest, ImmutabilityRulesOfRepositoriesAndNamespaces) {
    ASSERT_EQ(call("POST", "/api/v1/namespaces", admin(), R"({"name": "team"})").status, 201);
    auto put = call("PUT", "/api/v1/repositories/team/sub/app/immutable", admin(), R"({"patterns": ["v*", "release-*"]})");
    EXPECT_EQ(put.status, 200) << put.body;
    auto got = call("GET", "/api/v1/repositories/team/sub/app/immutable", admin());
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(nlohmann::json::parse(got.body)["patterns"], nlohmann::json::parse(R"(["v*", "release-*"])"));
    std::string reason;
    EXPECT_TRUE(access_->tag_is_immutable("team/sub/app", "release-1", &reason));

    EXPECT_EQ(call("PUT", "/api/v1/namespaces/team/immutable", admin(), R"({"patterns": ["1.*"]})").status, 200);
    EXPECT_TRUE(access_->tag_is_immutable("team/other", "1.0", &reason));
    EXPECT_EQ(call("PUT", "/api/v1/namespaces/team/immutable", admin(), R"({"patterns": ["a/b"]})").status, 400);
    EXPECT_EQ(call("PUT", "/api/v1/namespaces/team/immutable", admin(), R"({"patterns": "v*"})").status, 400);
    EXPECT_EQ(call("PUT", "/api/v1/repositories/nope/app/immutable", admin(), R"({"patterns": ["v*"]})").status, 404);
    EXPECT_EQ(call("PUT", "/api/v1/repositories/Bad/app/immutable", admin(), R"({"patterns": ["v*"]})").status, 400);
}

TEST_F(AdminApiTest, NamespaceAdminsManageTheirOwnNamespaceOnly) {
    ASSERT_TRUE(*store_->create_user("lead", "lead-password"));
    ASSERT_TRUE(*store_->create_user("dev", "dev-password"));
    ASSERT_TRUE(*store_->create_namespace("team", false));
    ASSERT_TRUE(*store_->create_namespace("other", false));
    ASSERT_EQ(*store_->set_member("team", "lead", NamespaceRole::admin), MemberChange::done);
    std::string lead = basic("lead", "lead-password");
    EXPECT_EQ(call("PUT", "/api/v1/namespaces/team/members/dev", lead, R"({"role": "pull"})").status, 200);
    EXPECT_EQ(call("PUT", "/api/v1/namespaces/team/immutable", lead, R"({"patterns": ["v*"]})").status, 200);
    EXPECT_EQ(call("PUT", "/api/v1/namespaces/other/members/dev", lead, R"({"role": "pull"})").status, 403);
    EXPECT_EQ(call("PUT", "/api/v1/namespaces/team/members/dev", basic("dev", "dev-password"), R"({"role": "admin"})").status,
              403);
    // A member sees the namespace in the list; a stranger does not.
    auto listed = call("GET", "/api/v1/namespaces", basic("dev", "dev-password"));
    ASSERT_EQ(listed.status, 200);
    EXPECT_EQ(nlohmann::json::parse(listed.body)["namespaces"].size(), 1u);
}

TEST_F(AdminApiTest, AdminBearerTokenWorks) {
    TestRequest token_request("GET", "/token?service=moat", admin());
    auto token = nlohmann::json::parse(access_->token_endpoint(token_request.request).body)["token"].get<std::string>();
    EXPECT_EQ(call("POST", "/api/v1/namespaces", "Bearer " + token, R"({"name": "team"})").status, 201);
}

}  // namespace
}  // namespace moat::registry::testing
