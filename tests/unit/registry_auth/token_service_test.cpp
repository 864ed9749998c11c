#include "registry/auth/token_service.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "unit/registry_auth/auth_test_support.h"

namespace moat::registry::testing {
namespace {

constexpr int64_t kNow = 1'800'000'000;

TokenService service() { return TokenService(std::string(32, 's'), "moat"); }

TEST(TokenService, RoundTripCarriesClaims) {
    auto tokens = service();
    std::string token = tokens.issue("dev", "moat", {{"repository", "team/app", {"pull", "push"}}}, kNow);
    auto claims = tokens.verify(token, "moat", kNow + 10);
    ASSERT_TRUE(claims.ok()) << claims.error().message;
    EXPECT_EQ(claims->subject, "dev");
    EXPECT_EQ(claims->audience, "moat");
    EXPECT_EQ(claims->issuer, "moat");
    EXPECT_EQ(claims->expires_at, kNow + TokenService::kLifetimeSeconds);
    EXPECT_FALSE(claims->id.empty());
    ASSERT_EQ(claims->access.size(), 1u);
    EXPECT_EQ(claims->access[0].name, "team/app");
    EXPECT_TRUE(claims->access[0].allows("push"));
    EXPECT_FALSE(claims->access[0].allows("delete"));
}

TEST(TokenService, ExpiredTokenIsRefused) {
    auto tokens = service();
    std::string token = tokens.issue("dev", "moat", {}, kNow);
    auto claims = tokens.verify(token, "moat", kNow + TokenService::kLifetimeSeconds + 120);
    ASSERT_FALSE(claims.ok());
    EXPECT_NE(claims.error().message.find("expired"), std::string::npos);
    EXPECT_FALSE(tokens.verify(token, "moat", kNow - 600).ok());  // not valid yet
}

TEST(TokenService, WrongAudienceIsRefused) {
    auto tokens = service();
    std::string token = tokens.issue("dev", "other-registry", {}, kNow);
    auto claims = tokens.verify(token, "moat", kNow);
    ASSERT_FALSE(claims.ok());
    EXPECT_NE(claims.error().message.find("audience"), std::string::npos);
}

TEST(TokenService, TamperedOrForeignTokensAreRefused) {
    auto tokens = service();
    std::string token = tokens.issue("dev", "moat", {{"repository", "team/app", {"pull"}}}, kNow);
    // Swap the claims for ones granting push, keeping the old signature.
    size_t first = token.find('.'), second = token.find('.', first + 1);
    std::string forged_claims = TokenService(std::string(32, 'x'), "moat")
                                    .issue("dev", "moat", {{"repository", "team/app", {"pull", "push"}}}, kNow);
    size_t f1 = forged_claims.find('.'), f2 = forged_claims.find('.', f1 + 1);
    std::string tampered = token.substr(0, first + 1) + forged_claims.substr(f1 + 1, f2 - f1 - 1) + token.substr(second);
    EXPECT_FALSE(tokens.verify(tampered, "moat", kNow).ok());
    // Signed with another key.
    EXPECT_FALSE(tokens.verify(forged_claims, "moat", kNow).ok());
    // A flipped signature character.
    std::string flipped = token;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(tokens.verify(flipped, "moat", kNow).ok());
    // "alg": "none" style tokens: no signature at all.
    EXPECT_FALSE(tokens.verify(token.substr(0, second + 1), "moat", kNow).ok());
    EXPECT_FALSE(tokens.verify("garbage", "moat", kNow).ok());
}

TEST(TokenService, KeyFileIsCreatedPrivateAndReused) {
    auto dir = std::filesystem::temp_directory_path() / ("moat-token-key-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto first = TokenService::open(dir / "token-key");
    ASSERT_TRUE(first.ok()) << first.error().message;
    struct stat info {};
    ASSERT_EQ(::stat((dir / "token-key").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    auto second = TokenService::open(dir / "token-key");
    ASSERT_TRUE(second.ok());
    std::string token = first->issue("dev", "moat", {}, kNow);
    EXPECT_TRUE(second->verify(token, "moat", kNow).ok());  // same key after a restart
    std::filesystem::permissions(dir / "token-key", std::filesystem::perms::others_read, std::filesystem::perm_options::add);
    EXPECT_FALSE(TokenService::open(dir / "token-key").ok());
    std::filesystem::remove_all(dir);
}

TEST(TokenScopes, ParsesRepeatedAndSpaceSeparatedScopes) {
    auto scopes = parse_scopes({"repository:team/app:pull,push registry:catalog:*", "repository:host:5000/x:pull", "bad"});
    ASSERT_EQ(scopes.size(), 3u);
    EXPECT_EQ(scopes[0].type, "repository");
    EXPECT_EQ(scopes[0].name, "team/app");
    EXPECT_EQ(scopes[0].actions, (std::vector<std::string>{"pull", "push"}));
    EXPECT_EQ(scopes[1].name, "catalog");
    EXPECT_EQ(scopes[2].name, "host:5000/x");
}

}  // namespace
}  // namespace moat::registry::testing
