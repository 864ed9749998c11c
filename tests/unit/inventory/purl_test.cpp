#include "inventory/purl.h"

#include <gtest/gtest.h>

namespace moat {
namespace {

Package language(std::string type, std::string name, std::string version) {
    Package package;
    package.type = std::move(type);
    package.name = std::move(name);
    package.version = std::move(version);
    return package;
}

TEST(PackageUrl, DebianPackageCarriesDistroAndArch) {
    Package package = language("deb", "libssl3", "3.0.11-1~deb12u2");
    package.arch = "amd64";
    package.source_name = "openssl";
    OsInfo os{"debian", "12", "bookworm"};
    EXPECT_EQ(package_url(package, &os),
              "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl");
}

TEST(PackageUrl, LanguagePackagesUseTheirEcosystemNamespaces) {
    OsInfo os{"debian", "12", "bookworm"};  // an OS never leaks into a language purl
    EXPECT_EQ(package_url(language("npm", "@babel/core", "7.22.5"), &os), "pkg:npm/%40babel/core@7.22.5");
    EXPECT_EQ(package_url(language("npm", "lodash", "4.17.21"), &os), "pkg:npm/lodash@4.17.21");
    EXPECT_EQ(package_url(language("maven", "org.apache.logging.log4j:log4j-core", "2.14.1"), &os),
              "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
    EXPECT_EQ(package_url(language("pypi", "PyYAML_Extra", "6.0"), &os), "pkg:pypi/pyyaml-extra@6.0");
    EXPECT_EQ(package_url(language("golang", "github.com/gorilla/mux", "v1.8.0"), nullptr),
              "pkg:golang/github.com/gorilla/mux@v1.8.0");
    EXPECT_EQ(package_url(language("composer", "guzzlehttp/guzzle", "7.4.0"), nullptr),
              "pkg:composer/guzzlehttp/guzzle@7.4.0");
    EXPECT_EQ(package_url(language("nuget", "Newtonsoft.Json", "12.0.1"), nullptr),
              "pkg:nuget/Newtonsoft.Json@12.0.1");
}

}  // namespace
}  // namespace moat
