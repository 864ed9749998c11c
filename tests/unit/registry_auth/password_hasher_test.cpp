#include "registry/auth/password_hasher.h"

#include <gtest/gtest.h>

namespace moat::registry {
namespace {

TEST(PasswordHasher, HashIsArgon2idAndVerifies) {
    auto hash = hash_password("correct horse battery staple");
    ASSERT_TRUE(hash.ok()) << hash.error().message;
    EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
    EXPECT_EQ(hash->find("correct horse"), std::string::npos);
    EXPECT_TRUE(verify_password(*hash, "correct horse battery staple"));
    EXPECT_FALSE(verify_password(*hash, "correct horse battery stapler"));
    EXPECT_FALSE(verify_password(*hash, ""));
}

TEST(PasswordHasher, SamePasswordHashesDifferently) {
    auto first = hash_password("secret-one", PasswordHashCost::minimal());
    auto second = hash_password("secret-one", PasswordHashCost::minimal());
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_NE(*first, *second);  // salted
    EXPECT_TRUE(verify_password(*second, "secret-one"));
}

TEST(PasswordHasher, RefusesEmptyPasswordAndMalformedHash) {
    EXPECT_FALSE(hash_password("").ok());
    EXPECT_FALSE(verify_password("not a hash", "x"));
    EXPECT_FALSE(verify_password("", "x"));
}

}  // namespace
}  // namespace moat::registry
