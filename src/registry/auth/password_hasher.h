// Account passwords at rest: Argon2id hashes in libsodium's self-describing "$argon2id$..." form,
// so the cost parameters travel with each hash and can be raised later without a migration.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace moat::registry {

struct PasswordHashCost {
    unsigned long long operations;
    size_t memory_bytes;
    // libsodium's "interactive" limits (64 MiB, 2 passes): logins stay well under a second.
    static PasswordHashCost interactive();
    // The smallest cost libsodium allows: for tests only, where hashing speed matters more.
    static PasswordHashCost minimal();
};

Result<std::string> hash_password(std::string_view password, PasswordHashCost cost = PasswordHashCost::interactive());
// Constant-time with respect to the password; false for a malformed hash too.
bool verify_password(std::string_view hash, std::string_view password);

}  // namespace moat::registry
