// From findings to fix requests: one request per OS package, only findings with a fixed version,
// --only by id or alias.
#include "fix/fix_requests.h"

#include <gtest/gtest.h>

namespace moat::fix {
namespace {

VulnerabilityFinding finding(const std::string& id, const std::string& package,
                             const std::string& fixed, const std::string& type = "deb") {
    VulnerabilityFinding out;
    out.id = id;
    out.aliases = {"DSA-" + id};
    out.package.type = type;
    out.package.name = package;
    out.package.version = "1.0-1";
    out.package.arch = "amd64";
    out.package.source_name = package + "-src";
    out.fixed_version = fixed;
    return out;
}

TEST(BuildFixRequests, GroupsFindingsByPackageAndSkipsUnfixable) {
    std::vector<VulnerabilityFinding> findings = {
        finding("CVE-1", "libssl3", "1.0-2"), finding("CVE-2", "libssl3", "1.0-3"),
        finding("CVE-3", "zlib1g", ""), finding("CVE-4", "lodash", "4.17.21", "npm"),
        finding("CVE-5", "openssl", "1.0-3")};
    auto requests = build_fix_requests(findings, {});
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].name, "libssl3");
    EXPECT_EQ(requests[0].source_name, "libssl3-src");
    ASSERT_EQ(requests[0].findings.size(), 2u);
    EXPECT_EQ(requests[0].findings[1].fixed_version, "1.0-3");
    EXPECT_EQ(requests[1].name, "openssl");
}

TEST(BuildFixRequests, OnlyKeepsTheNamedIdsOrAliases) {
    std::vector<VulnerabilityFinding> findings = {finding("CVE-1", "libssl3", "1.0-2"),
                                                  finding("CVE-5", "openssl", "1.0-3")};
    auto by_id = build_fix_requests(findings, {"CVE-5"});
    ASSERT_EQ(by_id.size(), 1u);
    EXPECT_EQ(by_id[0].name, "openssl");
    auto by_alias = build_fix_requests(findings, {"DSA-CVE-1"});
    ASSERT_EQ(by_alias.size(), 1u);
    EXPECT_EQ(by_alias[0].name, "libssl3");
    EXPECT_TRUE(build_fix_requests(findings, {"CVE-404"}).empty());
}

}  // namespace
}  // namespace moat::fix
