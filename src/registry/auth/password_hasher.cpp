#include "registry/auth/password_hasher.h"

#include <sodium.h>

#include <mutex>
#include <semaphore>

namespace moat::registry {

namespace {

bool sodium_ready() {
    static const bool ready = sodium_init() >= 0;
    return ready;
}

// Each Argon2id run holds its memory cost (64 MiB) for its duration: a burst of logins must not
// multiply that without bound, so at most four run at once and the rest wait.
std::counting_semaphore<4>& hashing_slots() {
    static std::counting_semaphore<4> slots(4);
    return slots;
}

struct SlotGuard {
    SlotGuard() { hashing_slots().acquire(); }
    ~SlotGuard() { hashing_slots().release(); }
};

}  // namespace

PasswordHashCost PasswordHashCost::interactive() {
    return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordHashCost PasswordHashCost::minimal() { return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}; }

Result<std::string> hash_password(std::string_view password, PasswordHashCost cost) {
    if (!sodium_ready()) return Error{"libsodium could not be initialized"};
    if (password.empty()) return Error{"the password is empty"};
    if (password.size() > 4096) return Error{"the password is longer than 4096 bytes"};
    char out[crypto_pwhash_STRBYTES];
    SlotGuard slot;
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.operations, cost.memory_bytes,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return Error{"password hashing ran out of memory"};
    return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
    if (!sodium_ready() || hash.empty() || hash.size() >= crypto_pwhash_STRBYTES || password.size() > 4096)
        return false;
    std::string terminated(hash);  // crypto_pwhash_str_verify wants a C string
    SlotGuard slot;
    return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

}  // namespace moat::registry
