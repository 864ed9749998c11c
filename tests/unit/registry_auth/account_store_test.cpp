#include "registry/auth/account_store.h"

#include "registry/auth/account_names.h"
#include "registry/auth/password_hasher.h"
#include "unit/registry_auth/auth_test_support.h"

namespace moat::registry::testing {
namespace {

using AccountStoreTest = AuthFixture;

TEST_F(AccountStoreTest, UsersAreCreatedOnceWithHashedPasswords) {
    auto created = store_->create_user("dev", "dev-password");
    ASSERT_TRUE(created.ok()) << created.error().message;
    EXPECT_TRUE(*created);
    auto again = store_->create_user("dev", "other");
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(*again);
    auto user = store_->find_user("dev");
    ASSERT_TRUE(user.ok() && user->has_value());
    EXPECT_FALSE((*user)->admin);
    EXPECT_TRUE(verify_password((*user)->password_hash, "dev-password"));
    EXPECT_FALSE(verify_password((*user)->password_hash, "other"));
}

TEST_F(AccountStoreTest, EnsureAdminCreatesThenUpdates) {
    ASSERT_TRUE(store_->ensure_admin("first-password").ok());
    ASSERT_TRUE(store_->ensure_admin("second-password").ok());
    auto admin = store_->find_user("admin");
    ASSERT_TRUE(admin.ok() && admin->has_value());
    EXPECT_TRUE((*admin)->admin);
    EXPECT_TRUE(verify_password((*admin)->password_hash, "second-password"));
    EXPECT_FALSE(verify_password((*admin)->password_hash, "first-password"));
    EXPECT_FALSE(store_->ensure_admin("").ok());
}

TEST_F(AccountStoreTest, RolesPerNamespace) {
    ASSERT_TRUE(*store_->create_user("dev", "dev-password"));
    ASSERT_TRUE(*store_->create_namespace("team", false));
    EXPECT_FALSE(*store_->create_namespace("team", true));
    EXPECT_EQ(*store_->set_member("team", "dev", NamespaceRole::push), MemberChange::done);
    EXPECT_EQ(*store_->set_member("nope", "dev", NamespaceRole::push), MemberChange::no_namespace);
    EXPECT_EQ(*store_->set_member("team", "ghost", NamespaceRole::push), MemberChange::no_user);
    EXPECT_EQ(*store_->role_of("team", "dev"), NamespaceRole::push);
    EXPECT_EQ(*store_->set_member("team", "dev", NamespaceRole::admin), MemberChange::done);
    EXPECT_EQ(*store_->role_of("team", "dev"), NamespaceRole::admin);
    auto members = store_->list_members("team");
    ASSERT_TRUE(members.ok());
    ASSERT_EQ(members->size(), 1u);
    EXPECT_EQ((*members)[0].user, "dev");
    EXPECT_TRUE(*store_->remove_member("team", "dev"));
    EXPECT_FALSE(*store_->remove_member("team", "dev"));
    EXPECT_FALSE(store_->role_of("team", "dev")->has_value());
}

TEST_F(AccountStoreTest, ImmutableRulesReplaceAsAWholeAndSurviveReopen) {
    ASSERT_TRUE(store_->set_immutable_patterns(RuleScope::repository, "team/app", {"v*", "release-*"}).ok());
    ASSERT_TRUE(store_->set_immutable_patterns(RuleScope::namespace_, "team", {"1.*"}).ok());
    ASSERT_TRUE(store_->set_immutable_patterns(RuleScope::repository, "team/app", {"stable"}).ok());
    store_.reset();
    auto reopened = AccountStore::open(dir_ / "metadata.db", PasswordHashCost::minimal());
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ(*(*reopened)->immutable_patterns(RuleScope::repository, "team/app"), std::vector<std::string>{"stable"});
    EXPECT_EQ(*(*reopened)->immutable_patterns(RuleScope::namespace_, "team"), std::vector<std::string>{"1.*"});
    EXPECT_TRUE((*reopened)->immutable_patterns(RuleScope::namespace_, "other")->empty());
}

TEST(AccountNames, ValidNamesAndReasons) {
    EXPECT_FALSE(invalid_account_name("team", "namespace"));
    EXPECT_FALSE(invalid_account_name("my-team.2_x", "namespace"));
    EXPECT_TRUE(invalid_account_name("", "namespace"));
    EXPECT_TRUE(invalid_account_name("Team", "namespace"));
    EXPECT_TRUE(invalid_account_name("..", "namespace"));
    EXPECT_TRUE(invalid_account_name("-team", "user"));
    EXPECT_TRUE(invalid_account_name(std::string(65, 'a'), "user"));
    EXPECT_FALSE(invalid_account_name(std::string(64, 'a'), "user"));
    auto reason = invalid_account_name("a/b", "user");
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("user name \"a/b\""), std::string::npos) << *reason;
}

TEST(TagPatterns, GlobMatching) {
    EXPECT_TRUE(tag_matches("v*", "v1.0"));
    EXPECT_TRUE(tag_matches("v*", "v"));
    EXPECT_FALSE(tag_matches("v*", "1.0"));
    EXPECT_TRUE(tag_matches("release-*", "release-2024"));
    EXPECT_FALSE(tag_matches("release-*", "release"));
    EXPECT_TRUE(tag_matches("1.?", "1.0"));
    EXPECT_FALSE(tag_matches("1.?", "1.10"));
    EXPECT_TRUE(tag_matches("*-rc*", "2.0-rc1"));
    EXPECT_TRUE(tag_matches("latest", "latest"));
    EXPECT_FALSE(tag_matches("latest", "latest2"));
    EXPECT_TRUE(tag_matches("*", "anything"));
    // Many stars against a long non-matching tag stay fast (no exponential backtracking).
    EXPECT_FALSE(tag_matches("*a*a*a*a*a*a*a*a*b", std::string(128, 'a')));
    EXPECT_FALSE(invalid_tag_pattern("v*"));
    EXPECT_TRUE(invalid_tag_pattern(""));
    EXPECT_TRUE(invalid_tag_pattern("v[0-9]"));
    EXPECT_TRUE(invalid_tag_pattern("a/b"));
}

}  // namespace
}  // namespace moat::registry::testing
