// `moat sbom|scan HOST:PORT/REPO:TAG`: the real test image pushed with skopeo into Debian's
// docker-registry (the reference implementation of the distribution API) on loopback and read
// back by moat over HTTP. What a user would check: the same packages as from the OCI layout, by
// tag and by digest, and clear errors naming the registry for a missing tag and a refused
// connection.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/run_command.h"
#include "support/test_images.h"

namespace moat::testing {
namespace {

using json = nlohmann::json;

int free_loopback_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
}

bool port_answers(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    return ok;
}

// Debian's docker-registry serving a scratch directory on a loopback port.
class ReferenceRegistry {
public:
    explicit ReferenceRegistry(const fs::path& dir) : port_(free_loopback_port()) {
        fs::path config = dir / "config.yml";
        std::ofstream(config) << "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
                              << (dir / "storage").string() << "\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:"
                              << port_ << "\n";
        pid_ = fork();
        if (pid_ == 0) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 1);
            dup2(null, 2);
            execl("/usr/bin/docker-registry", "docker-registry", "serve", config.c_str(), nullptr);
            _exit(127);
        }
        for (int attempt = 0; attempt < 100 && !port_answers(port_); ++attempt)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ~ReferenceRegistry() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
    }
    std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
    bool running() const { return pid_ > 0 && port_answers(port_); }

private:
    int port_;
    pid_t pid_ = -1;
};

std::set<std::pair<std::string, std::string>> packages_of(const std::string& sbom_json) {
    std::set<std::pair<std::string, std::string>> out;
    json document = json::parse(sbom_json);
    for (const auto& package : document["packages"])
        out.emplace(package["name"].get<std::string>(), package["version"].get<std::string>());
    return out;
}

class RegistrySource : public ::testing::Test {
protected:
    void SetUp() override {
        const char* dir = std::getenv("MOAT_TEST_IMAGE_DIR");
        if (!dir) GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR is not set (scripts/test.sh sets it)";
        if (!fs::exists("/usr/bin/docker-registry") || run_command({"skopeo", "--version"}).exit_code != 0)
            GTEST_SKIP() << "docker-registry or skopeo is not installed (scripts/install-deps.sh installs them)";
        image_ = fs::path(dir) / "oci";
    }
    fs::path image_;
};

TEST_F(RegistrySource, ScansAnImagePushedWithSkopeoLikeTheLayout) {
    ScratchDir scratch;
    ReferenceRegistry registry(scratch.path());
    ASSERT_TRUE(registry.running());
    std::string remote = registry.host() + "/team/app:1.0";
    auto pushed = run_command({"skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:" + image_.string() + ":1.0",
                               "docker://" + remote});
    ASSERT_EQ(pushed.exit_code, 0) << pushed.err;

    auto local = run_command({MOAT_BINARY, "sbom", "oci:" + image_.string() + ":1.0", "--format", "json", "--quiet"});
    ASSERT_EQ(local.exit_code, 0) << local.err;
    auto from_registry = run_command({MOAT_BINARY, "sbom", remote, "--insecure", "--format", "json", "--quiet"});
    ASSERT_EQ(from_registry.exit_code, 0) << from_registry.err;
    EXPECT_EQ(packages_of(from_registry.out), packages_of(local.out));
    EXPECT_GT(packages_of(local.out).size(), 100u);
    json image = json::parse(from_registry.out)["image"];
    EXPECT_EQ(image["digest"], json::parse(local.out)["image"]["digest"]);

    // By digest, and a scan with the bundled database runs to the end.
    std::string by_digest = registry.host() + "/team/app@" + image["digest"].get<std::string>();
    auto pinned = run_command({MOAT_BINARY, "scan", by_digest, "--insecure", "--format", "json", "--quiet",
                               "--scanners", "vuln"});
    ASSERT_EQ(pinned.exit_code, 0) << pinned.err;
    EXPECT_FALSE(json::parse(pinned.out)["findings"].empty());
}

TEST_F(RegistrySource, MissingTagAndClosedPortAreClearErrors) {
    ScratchDir scratch;
    ReferenceRegistry registry(scratch.path());
    ASSERT_TRUE(registry.running());
    auto missing = run_command({MOAT_BINARY, "sbom", registry.host() + "/team/none:1.0", "--insecure", "--quiet"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find(registry.host() + "/team/none:1.0"), std::string::npos) << missing.err;
    EXPECT_NE(missing.err.find("unknown"), std::string::npos) << missing.err;

    std::string closed = "127.0.0.1:" + std::to_string(free_loopback_port()) + "/team/app:1.0";
    auto refused = run_command({MOAT_BINARY, "sbom", closed, "--insecure", "--quiet"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("127.0.0.1"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace moat::testing
