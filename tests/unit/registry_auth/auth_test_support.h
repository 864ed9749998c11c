// Shared setup of the auth tests: an account store in a fresh temporary directory (cheap
// password hashing), a token service with a fixed secret, and requests built by hand.
#pragma once

#include <sodium.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "registry/auth/account_store.h"
#include "registry/auth/registry_access_control.h"
#include "registry/auth/token_service.h"
#include "registry/http/http_message.h"

namespace moat::registry::testing {

class StringBody final : public RequestBody {
public:
    explicit StringBody(std::string text) : text_(std::move(text)) {}
    Result<size_t> read(char* buffer, size_t capacity) override {
        size_t n = std::min(capacity, text_.size() - offset_);
        std::copy_n(text_.data() + offset_, n, buffer);
        offset_ += n;
        return n;
    }
    std::optional<uint64_t> declared_length() const override { return text_.size(); }

private:
    std::string text_;
    size_t offset_ = 0;
};

inline std::string basic(std::string_view user, std::string_view password) {
    std::string plain = std::string(user) + ":" + std::string(password);
    std::string out(sodium_base64_ENCODED_LEN(plain.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::char_traits<char>::length(out.c_str()));
    return "Basic " + out;
}

// A request with its own body; `authorization` empty for anonymous.
struct TestRequest {
    StringBody body;
    HttpRequest request;
    TestRequest(std::string method, std::string path, std::string authorization = {}, std::string body_text = {})
        : body(std::move(body_text)) {
        request.method = std::move(method);
        auto question = path.find('?');
        request.path = path.substr(0, question);
        if (question != std::string::npos) request.raw_query = path.substr(question + 1);
        request.headers.emplace_back("Host", "registry.test:5000");
        if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
        request.body = &body;
    }
};

class AuthFixture : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        dir_ = std::filesystem::temp_directory_path() /
               ("moat-auth-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        auto store = AccountStore::open(dir_ / "metadata.db", PasswordHashCost::minimal());
        ASSERT_TRUE(store.ok()) << store.error().message;
        store_ = std::move(*store);
        access_ = std::make_unique<RegistryAccessControl>(*store_, tokens_);
    }
    void TearDown() override {
        access_.reset();
        store_.reset();
        std::filesystem::remove_all(dir_);
    }

    std::filesystem::path dir_;
    std::unique_ptr<AccountStore> store_;
    TokenService tokens_{std::string(32, 'k'), "moat"};
    std::unique_ptr<RegistryAccessControl> access_;
};

}  // namespace moat::registry::testing
