// A real Go executable, built here with the installed Go toolchain from tests/data/go-vulnerable-app
// (a main module requiring golang.org/x/text v0.3.5, vendored, so the build needs no network),
// then scanned by the moat binary. What a user would check: the main module, the dependency at
// its pinned version and the standard library at the toolchain's version (`go version`), each
// named with the executable's path; a version stamped with -ldflags "-X main.version=...";
// in an image, the executable found by its x bit and ELF magic wherever it lies.
// Skips when `go` is not installed (scripts/install-deps.sh installs golang-go).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "support/run_command.h"
#include "support/test_images.h"

namespace moat::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kAppSource = fs::path(MOAT_SOURCE_DIR) / "tests/data/go-vulnerable-app";
constexpr std::string_view kMainModule = "example.com/vulnerable-app";

// "go version go1.19.8 linux/amd64" -> "go1.19.8"; "" when go is not installed.
std::string installed_go_version() {
    const auto result = run_command({"go", "version"});
    if (result.exit_code != 0) return {};
    std::istringstream words(result.out);
    std::string go, version, release;
    words >> go >> version >> release;
    return release;
}

using Found = std::set<std::tuple<std::string, std::string, std::string>>;  // path, name, version

Found golang_packages(const MoatRun& run) {
    Found found;
    const json report = json::parse(run.out);
    for (const auto& package : report.at("packages"))
        if (package.at("type") == "golang")
            found.emplace(package.at("path").get<std::string>(), package.at("name").get<std::string>(),
                          package.at("version").get<std::string>());
    return found;
}

class GoBinaryTest : public ::testing::Test {
protected:
    void SetUp() override {
        go_release_ = installed_go_version();
        if (go_release_.empty()) GTEST_SKIP() << "go is not installed";
        ASSERT_TRUE(fs::exists(kAppSource / "vendor/modules.txt")) << kAppSource;
        stdlib_version_ = "v" + go_release_.substr(2);
    }

    // go build of the test app into `output`, offline, with extra `go build` arguments.
    void build(const fs::path& output, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> argv = {"sh", "-c", "cd \"$0\" && exec go build -buildvcs=false \"$@\"",
                                         kAppSource.string(), "-o", output.string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back(".");
        const auto result = run_command(
            argv, {"GOFLAGS=-mod=vendor", "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off", "GO111MODULE=on",
                   "GOENV=off", "CGO_ENABLED=0", "GOCACHE=" + (scratch_ / "gocache").string(),
                   "GOPATH=" + (scratch_ / "gopath").string(), "HOME=" + scratch_.path().string()});
        ASSERT_EQ(result.exit_code, 0) << "go build failed:\n" << result.err;
    }

    std::string go_release_, stdlib_version_;
    ScratchDir scratch_;
};

TEST_F(GoBinaryTest, MainModuleDependencyAndStdlibOfABuiltExecutable) {
    build(scratch_ / "out/vulnerable-app");
    build(scratch_ / "out/bin/vulnerable-app-stamped", {"-ldflags", "-s -X main.version=v1.4.2"});

    const auto run = run_moat({"sbom", "dir:" + (scratch_ / "out").string(), "--format", "json", "--quiet"},
                              scratch_ / "sandbox");
    ASSERT_EQ(run.exit_code, 0) << run.describe();
    const std::string plain = "vulnerable-app", stamped = "bin/vulnerable-app-stamped";
    EXPECT_EQ(golang_packages(run), (Found{{plain, std::string(kMainModule), ""},
                                           {plain, "golang.org/x/text", "v0.3.5"},
                                           {plain, "stdlib", stdlib_version_},
                                           {stamped, std::string(kMainModule), "v1.4.2"},
                                           {stamped, "golang.org/x/text", "v0.3.5"},
                                           {stamped, "stdlib", stdlib_version_}}));
    bool purl_seen = false;
    const json report = json::parse(run.out);
    for (const auto& package : report.at("packages"))
        purl_seen = purl_seen || package.value("purl", "") == "pkg:golang/golang.org/x/text@v0.3.5";
    EXPECT_TRUE(purl_seen) << run.out;
}

TEST_F(GoBinaryTest, ExecutableInsideAnImageLayer) {
    const fs::path binary = scratch_ / "out/app";
    build(binary);
    const std::string bytes = read_file(binary);
    TarBuilder tar;
    tar.directory("usr").directory("usr/local").directory("usr/local/bin").directory("srv");
    tar.file("usr/local/bin/app", bytes, 0755);
    tar.file("srv/app.copy", bytes, 0644);  // not executable in the image: not a program to report
    write_oci_image(scratch_ / "layout", {make_layer(tar.finish())});

    const auto run = run_moat({"sbom", "oci:" + (scratch_ / "layout").string() + ":latest", "--format", "json",
                               "--quiet"},
                              scratch_ / "sandbox");
    ASSERT_EQ(run.exit_code, 0) << run.describe();
    const std::string path = "usr/local/bin/app";
    EXPECT_EQ(golang_packages(run), (Found{{path, std::string(kMainModule), ""},
                                           {path, "golang.org/x/text", "v0.3.5"},
                                           {path, "stdlib", stdlib_version_}}));
}

}  // namespace
}  // namespace moat::testing
