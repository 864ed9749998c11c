#include "registry/auth/registry_access_control.h"

#include <nlohmann/json.hpp>

#include "unit/registry_auth/auth_test_support.h"

namespace moat::registry::testing {
namespace {

class AccessControlTest : public AuthFixture {
protected:
    void SetUp() override {
        AuthFixture::SetUp();
        ASSERT_TRUE(store_->ensure_admin("admin-password").ok());
        for (const char* user : {"reader", "pusher", "owner", "stranger"})
            ASSERT_TRUE(*store_->create_user(user, std::string(user) + "-password"));
        ASSERT_TRUE(*store_->create_namespace("team", false));
        ASSERT_TRUE(*store_->create_namespace("open", true));
        ASSERT_EQ(*store_->set_member("team", "reader", NamespaceRole::pull), MemberChange::done);
        ASSERT_EQ(*store_->set_member("team", "pusher", NamespaceRole::push), MemberChange::done);
        ASSERT_EQ(*store_->set_member("team", "owner", NamespaceRole::admin), MemberChange::done);
    }

    AccessOutcome outcome(std::string_view user, std::string_view repository, RepositoryAction action) {
        std::string authorization = user.empty() ? "" : basic(user, std::string(user) + "-password");
        TestRequest test("GET", "/v2/x", authorization);
        return access_->authorize(test.request, repository, action).outcome;
    }

    // A token from /token for `user` (empty: anonymous) asking for `scope`.
    std::string token_for(std::string_view user, std::string_view scope) {
        std::string authorization = user.empty() ? "" : basic(user, std::string(user) + "-password");
        TestRequest test("GET", "/token?service=moat&scope=" + std::string(scope), authorization);
        HttpResponse response = access_->token_endpoint(test.request);
        EXPECT_EQ(response.status, 200) << response.body;
        auto body = nlohmann::json::parse(response.body);
        EXPECT_EQ(body["expires_in"], 300);
        EXPECT_EQ(body["token"], body["access_token"]);
        return body["token"].get<std::string>();
    }
};

TEST_F(AccessControlTest, AnonymousMayPullOnlyPublicNamespaces) {
    EXPECT_EQ(outcome("", "open/app", RepositoryAction::pull), AccessOutcome::allowed);
    EXPECT_EQ(outcome("", "open/app", RepositoryAction::push), AccessOutcome::unauthenticated);
    EXPECT_EQ(outcome("", "team/app", RepositoryAction::pull), AccessOutcome::unauthenticated);
    EXPECT_EQ(outcome("", "missing/app", RepositoryAction::pull), AccessOutcome::unauthenticated);
}

TEST_F(AccessControlTest, RolesOrderPullPushAdmin) {
    EXPECT_EQ(outcome("reader", "team/app", RepositoryAction::pull), AccessOutcome::allowed);
    EXPECT_EQ(outcome("reader", "team/app", RepositoryAction::push), AccessOutcome::denied);
    EXPECT_EQ(outcome("pusher", "team/app", RepositoryAction::push), AccessOutcome::allowed);
    EXPECT_EQ(outcome("pusher", "team/sub/app", RepositoryAction::pull), AccessOutcome::allowed);
    EXPECT_EQ(outcome("pusher", "team/app", RepositoryAction::remove), AccessOutcome::denied);
    EXPECT_EQ(outcome("owner", "team/app", RepositoryAction::remove), AccessOutcome::allowed);
    EXPECT_EQ(outcome("stranger", "team/app", RepositoryAction::pull), AccessOutcome::denied);
    EXPECT_EQ(outcome("stranger", "open/app", RepositoryAction::pull), AccessOutcome::allowed);
    EXPECT_EQ(outcome("admin", "team/app", RepositoryAction::remove), AccessOutcome::allowed);
}

TEST_F(AccessControlTest, WrongPasswordIsUnauthenticatedAndDenialNamesTheRole) {
    TestRequest wrong("GET", "/v2/x", basic("pusher", "not-the-password"));
    EXPECT_EQ(access_->authorize(wrong.request, "team/app", RepositoryAction::pull).outcome,
              AccessOutcome::unauthenticated);
    TestRequest reader("PUT", "/v2/x", basic("reader", "reader-password"));
    auto decision = access_->authorize(reader.request, "team/app", RepositoryAction::push);
    EXPECT_EQ(decision.outcome, AccessOutcome::denied);
    EXPECT_NE(decision.message.find("reader"), std::string::npos) << decision.message;
    EXPECT_NE(decision.message.find("team"), std::string::npos) << decision.message;
}

TEST_F(AccessControlTest, AdminPushCreatesPrivateNamespace) {
    EXPECT_EQ(outcome("pusher", "fresh/app", RepositoryAction::push), AccessOutcome::denied);
    EXPECT_FALSE(store_->find_namespace("fresh")->has_value());
    EXPECT_EQ(outcome("admin", "fresh/app", RepositoryAction::push), AccessOutcome::allowed);
    auto created = store_->find_namespace("fresh");
    ASSERT_TRUE(created.ok() && created->has_value());
    EXPECT_FALSE((*created)->is_public);
    EXPECT_EQ(outcome("", "fresh/app", RepositoryAction::pull), AccessOutcome::unauthenticated);
}

TEST_F(AccessControlTest, TokenAccessClaimIsLimitedToGrantedActions) {
    std::string token = token_for("reader", "repository:team/app:pull,push");
    auto claims = tokens_.verify(token, "moat", unix_now());
    ASSERT_TRUE(claims.ok()) << claims.error().message;
    EXPECT_EQ(claims->subject, "reader");
    ASSERT_EQ(claims->access.size(), 1u);
    EXPECT_EQ(claims->access[0].actions, std::vector<std::string>{"pull"});

    TestRequest pull("GET", "/v2/team/app/manifests/1.0", "Bearer " + token);
    EXPECT_EQ(access_->authorize(pull.request, "team/app", RepositoryAction::pull).outcome, AccessOutcome::allowed);
    // The token names only team/app: another repository needs another token (a 401 challenge).
    EXPECT_EQ(access_->authorize(pull.request, "team/other", RepositoryAction::pull).outcome,
              AccessOutcome::unauthenticated);
    EXPECT_EQ(access_->authorize(pull.request, "team/app", RepositoryAction::push).outcome,
              AccessOutcome::unauthenticated);
}

TEST_F(AccessControlTest, TokenEndpointRefusesWrongPasswordAndAllowsAnonymous) {
    TestRequest wrong("GET", "/token?service=moat&scope=repository:team/app:pull", basic("admin", "wrong"));
    EXPECT_EQ(access_->token_endpoint(wrong.request).status, 401);
    TestRequest unknown("GET", "/token?service=moat", basic("nobody", "whatever"));
    EXPECT_EQ(access_->token_endpoint(unknown.request).status, 401);

    std::string anonymous = token_for("", "repository:open/app:pull,push&scope=repository:team/app:pull");
    auto claims = tokens_.verify(anonymous, "moat", unix_now());
    ASSERT_TRUE(claims.ok());
    EXPECT_TRUE(claims->subject.empty());
    ASSERT_EQ(claims->access.size(), 1u);  // nothing on the private namespace
    EXPECT_EQ(claims->access[0].name, "open/app");
    EXPECT_EQ(claims->access[0].actions, std::vector<std::string>{"pull"});

    // A token of a removed grant: the role is read again, so revoking works before expiry.
    std::string pusher = token_for("pusher", "repository:team/app:pull,push");
    ASSERT_TRUE(*store_->remove_member("team", "pusher"));
    TestRequest push("PUT", "/v2/team/app/manifests/1.0", "Bearer " + pusher);
    EXPECT_EQ(access_->authorize(push.request, "team/app", RepositoryAction::push).outcome, AccessOutcome::denied);
}

TEST_F(AccessControlTest, RegistryRootChallengesUntilCredentialsOrToken) {
    TestRequest none("GET", "/v2/");
    EXPECT_EQ(access_->authorize_registry(none.request).outcome, AccessOutcome::unauthenticated);
    TestRequest good("GET", "/v2/", basic("reader", "reader-password"));
    EXPECT_EQ(access_->authorize_registry(good.request).outcome, AccessOutcome::allowed);
    TestRequest bad("GET", "/v2/", basic("reader", "nope"));
    EXPECT_EQ(access_->authorize_registry(bad.request).outcome, AccessOutcome::unauthenticated);
    TestRequest anonymous_token("GET", "/v2/", "Bearer " + token_for("", "repository:open/app:pull"));
    EXPECT_EQ(access_->authorize_registry(anonymous_token.request).outcome, AccessOutcome::allowed);
    TestRequest junk("GET", "/v2/", "Bearer junk");
    EXPECT_EQ(access_->authorize_registry(junk.request).outcome, AccessOutcome::unauthenticated);
}

TEST_F(AccessControlTest, ChallengeNamesRealmServiceAndScope) {
    TestRequest test("GET", "/v2/team/app/manifests/1.0");
    HttpResponse response = access_->challenge(test.request, "repository:team/app:pull,push");
    EXPECT_EQ(response.status, 401);
    EXPECT_EQ(find_header(response.headers, "WWW-Authenticate"),
              R"(Bearer realm="http://registry.test:5000/token",service="moat",scope="repository:team/app:pull,push")");
    EXPECT_EQ(nlohmann::json::parse(response.body)["errors"][0]["code"], "UNAUTHORIZED");
    test.request.tls = true;
    test.request.headers[0].second = "evil\"host";
    EXPECT_EQ(access_->realm(test.request), "https://localhost/token");

    RegistryAccessControl proxied(*store_, tokens_, {"moat", "https://registry.example/"});
    EXPECT_EQ(proxied.realm(test.request), "https://registry.example/token");
}

TEST_F(AccessControlTest, ImmutableTagsByRepositoryAndNamespaceRules) {
    ASSERT_TRUE(store_->set_immutable_patterns(RuleScope::namespace_, "team", {"v*"}).ok());
    ASSERT_TRUE(store_->set_immutable_patterns(RuleScope::repository, "team/app", {"1.*", "release-*"}).ok());
    std::string reason;
    EXPECT_TRUE(access_->tag_is_immutable("team/app", "1.0", &reason));
    EXPECT_EQ(reason, R"(tag 1.0 of team/app is immutable (rule "1.*" on repository team/app))");
    EXPECT_TRUE(access_->tag_is_immutable("team/other", "v2", &reason));
    EXPECT_EQ(reason, R"(tag v2 of team/other is immutable (rule "v*" on namespace team))");
    EXPECT_FALSE(access_->tag_is_immutable("team/other", "1.0", &reason));
    EXPECT_FALSE(access_->tag_is_immutable("team/app", "latest", &reason));
    EXPECT_FALSE(access_->tag_is_immutable("open/app", "v1", &reason));
}

TEST(AuthorizationHeader, ParsesBasicAndBearer) {
    auto credentials = parse_basic_authorization(basic("dev", "pa:ss"));
    ASSERT_TRUE(credentials);
    EXPECT_EQ(credentials->user, "dev");
    EXPECT_EQ(credentials->password, "pa:ss");
    EXPECT_FALSE(parse_basic_authorization("Basic !!!"));
    EXPECT_FALSE(parse_basic_authorization("Basic ZGV2"));  // "dev": no colon
    EXPECT_EQ(parse_bearer_authorization("bearer abc.def.ghi"), "abc.def.ghi");
    EXPECT_FALSE(parse_bearer_authorization("Bearer "));
    EXPECT_FALSE(parse_bearer_authorization("Digest x"));
}

}  // namespace
}  // namespace moat::registry::testing
