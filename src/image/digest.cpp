#include "image/digest.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace moat {

struct Sha256::State {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    ~State() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
    // Only fails on allocation failure; nothing useful can continue then.
    if (!state_->context || EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("OpenSSL: cannot initialise SHA-256");
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) {
    if (size > 0) EVP_DigestUpdate(state_->context, data, size);
}

std::string Sha256::finish_digest() {
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(state_->context, raw, &length);
    static const char kHex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(kHex[raw[i] >> 4]);
        out.push_back(kHex[raw[i] & 15]);
    }
    return out;
}

std::string sha256_digest(std::string_view data) {
    Sha256 hasher;
    hasher.update(data);
    return hasher.finish_digest();
}

bool is_sha256_digest(std::string_view digest) {
    if (digest.size() != 71 || digest.substr(0, 7) != "sha256:") return false;
    for (char c : digest.substr(7))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace moat
