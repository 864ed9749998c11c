#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "registry/http/http_server.h"

namespace moat::registry {
namespace {

// A server on a free loopback port whose handler reports the body it read.
class HttpServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        HttpServerOptions options;
        options.listen = "127.0.0.1:0";
        auto bound = HttpServer::bind(options, [](HttpRequest& request) {
            auto body = read_body(*request.body, 1 << 20);
            HttpResponse response;
            response.set_header("X-Path", request.path);
            response.body = body ? request.method + " " + *body : "error";
            return response;
        });
        ASSERT_TRUE(bound) << bound.error().message;
        server = std::move(*bound);
        runner = std::thread([this] { server->run(); });
    }
    void TearDown() override {
        if (server) server->stop();
        if (runner.joinable()) runner.join();
    }

    // Sends `bytes` on one connection and returns everything until the server closes it.
    std::string converse(const std::string& bytes) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in peer{};
        peer.sin_family = AF_INET;
        peer.sin_port = htons(server->port());
        peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer), 0);
        timeval timeout{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
        std::string answer;
        char buffer[4096];
        ssize_t got;
        while ((got = ::recv(fd, buffer, sizeof buffer, 0)) > 0) answer.append(buffer, static_cast<size_t>(got));
        ::close(fd);
        return answer;
    }

    std::unique_ptr<HttpServer> server;
    std::thread runner;
};

TEST_F(HttpServerTest, KeepAliveChunkedBodiesAndHead) {
    std::string answer = converse(
        "PUT /v2/a%2Fb HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        "HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(answer.find("X-Path: /v2/a/b\r\n"), std::string::npos) << "the path arrives percent-decoded";
    EXPECT_NE(answer.find("Content-Length: 9\r\n\r\nPUT hello"), std::string::npos) << answer;
    EXPECT_NE(answer.find("\r\n\r\nPOST abcde"), std::string::npos) << "a chunked body is read whole";
    EXPECT_NE(answer.find("Content-Length: 5\r\n\r\nHTTP/1.1"), std::string::npos)
        << "HEAD gets the length of GET's body and no body";
    EXPECT_NE(answer.find("Connection: close\r\n\r\nGET "), std::string::npos);
}

TEST_F(HttpServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
    std::string answer = converse(
        "PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")) << answer;
    EXPECT_NE(answer.find("PUT ok"), std::string::npos);
}

TEST_F(HttpServerTest, MalformedAndOversizedHeadersAreRefused) {
    EXPECT_TRUE(converse("NOT HTTP AT ALL\r\n\r\n").starts_with("HTTP/1.1 400")) << "malformed request line";
    std::string huge = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100000, 'a') + "\r\n\r\n";
    EXPECT_TRUE(converse(huge).starts_with("HTTP/1.1 431"));
}

TEST(HttpServerAddress, ListenAddressesAndLoopback) {
    auto split = split_listen_address("127.0.0.1:5000");
    ASSERT_TRUE(split);
    EXPECT_EQ(split->first, "127.0.0.1");
    EXPECT_EQ(split->second, 5000);
    EXPECT_EQ(split_listen_address("[::1]:0")->first, "::1");
    EXPECT_FALSE(split_listen_address("localhost"));
    EXPECT_FALSE(split_listen_address("host:99999"));
    EXPECT_TRUE(is_loopback_host("127.0.0.2"));
    EXPECT_TRUE(is_loopback_host("::1"));
    EXPECT_TRUE(is_loopback_host("localhost"));
    EXPECT_FALSE(is_loopback_host("0.0.0.0"));
    EXPECT_FALSE(is_loopback_host("10.1.2.3"));
}

}  // namespace
}  // namespace moat::registry
