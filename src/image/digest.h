// Content digests ("sha256:<hex>"): streaming computation and validation of untrusted strings.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace moat {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(const void* data, size_t size);
    void update(std::string_view data) { update(data.data(), data.size()); }
    // "sha256:<64 hex>"; the hasher must not be used afterwards.
    std::string finish_digest();

private:
    struct State;
    std::unique_ptr<State> state_;
};

std::string sha256_digest(std::string_view data);

// True for "sha256:" followed by exactly 64 lowercase hex digits. Digests from manifests are
// untrusted and become file names, so nothing else is accepted.
bool is_sha256_digest(std::string_view digest);

// The hex part of a valid digest.
inline std::string_view digest_hex(std::string_view digest) { return digest.substr(7); }

}  // namespace moat
