#include <gtest/gtest.h>

#include "report/scan_report.h"

namespace moat {
namespace {

Package package_of(std::string type, std::string name) {
    Package package;
    package.type = std::move(type);
    package.name = std::move(name);
    return package;
}

TEST(UpgradeCommand, OsPackagesUseTheirPackageManager) {
    EXPECT_EQ(upgrade_command(package_of("deb", "libssl3"), "3.0.15-1~deb12u1"),
              "apt-get install --only-upgrade libssl3=3.0.15-1~deb12u1");
    EXPECT_EQ(upgrade_command(package_of("rpm", "openssl-libs"), "1:3.0.7-27.el9"), "yum update openssl-libs-3.0.7-27.el9");
}

TEST(UpgradeCommand, LanguagePackagesUseTheirEcosystemTool) {
    EXPECT_EQ(upgrade_command(package_of("npm", "lodash"), "4.17.21"), "npm install lodash@4.17.21");
    EXPECT_EQ(upgrade_command(package_of("pypi", "PyYAML"), "5.4"), "pip install 'PyYAML==5.4'");
    EXPECT_EQ(upgrade_command(package_of("golang", "golang.org/x/text"), "0.3.7"), "go get golang.org/x/text@v0.3.7");
    EXPECT_EQ(upgrade_command(package_of("golang", "stdlib"), "1.21.5"), "rebuild with Go 1.21.5");
    EXPECT_EQ(upgrade_command(package_of("cargo", "smallvec"), "1.6.1"), "cargo update -p smallvec --precise 1.6.1");
    EXPECT_EQ(upgrade_command(package_of("nuget", "Newtonsoft.Json"), "13.0.1"),
              "dotnet add package Newtonsoft.Json --version 13.0.1");
    EXPECT_EQ(upgrade_command(package_of("composer", "guzzlehttp/guzzle"), "7.4.5"),
              "composer require guzzlehttp/guzzle:^7.4.5");
}

}  // namespace
}  // namespace moat
