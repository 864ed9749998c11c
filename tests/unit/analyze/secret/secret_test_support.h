// Test support for the secret scanner: fake credentials built at run time (so that the test
// sources themselves hold no token-shaped strings), and a matcher over the built-in rules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/secret/secret_engine.h"

namespace moat::testing {

// `length` characters drawn from `alphabet`, deterministic for a given seed, mixed enough to
// pass entropy floors.
inline std::string fake_chars(size_t length, std::string_view alphabet, unsigned seed = 7) {
    std::string out;
    uint32_t state = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < length; ++i) {
        state = state * 1103515245u + 12345u;
        out += alphabet[(state >> 16) % alphabet.size()];
    }
    return out;
}

inline constexpr std::string_view kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr std::string_view kUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
inline constexpr std::string_view kHex = "0123456789abcdef";
inline constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline constexpr std::string_view kUrlSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

// Joins pieces: keeps vendor prefixes out of the test source as whole tokens.
inline std::string cat(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto part : parts) out += part;
    return out;
}

inline std::vector<std::string> rule_ids(const std::vector<SecretHit>& hits) {
    std::vector<std::string> ids;
    for (const auto& hit : hits) ids.push_back(hit.rule->id);
    return ids;
}

// A PEM block of `kind` ("RSA PRIVATE KEY", "PRIVATE KEY" …) with a base64 body.
inline std::string pem_block(std::string_view kind, unsigned seed = 3) {
    std::string out = cat({"-----BEGIN ", kind, "-----\n"});
    for (int i = 0; i < 4; ++i) out += fake_chars(64, kBase64, seed + static_cast<unsigned>(i)) + "\n";
    out += cat({"-----END ", kind, "-----\n"});
    return out;
}

}  // namespace moat::testing
