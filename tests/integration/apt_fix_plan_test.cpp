// plan_apt_fixes against this machine's configured Debian mirror (its own apt sources, so no
// host is named here), for the real test image's installed packages (expected/dpkg-packages.tsv)
// and the security updates they lack (expected/debian-security-updates.tsv): every picked .deb
// exists, matches the SHA-256 of the signed index, is a valid .deb of that package, and every
// requested package reaches at least its fixed version. Skips without the image or the mirror.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "fix/apt/apt_fix.h"
#include "fix/apt/deb_archive.h"
#include "fix/apt/repo_fetch.h"
#include "support/tsv.h"
#include "test_support/apt_mirror.h"
#include "util/temp_dir.h"
#include "vulndb/version/dpkg_version.h"

namespace moat::fix {
namespace {

namespace fs = std::filesystem;

TEST(AptFixPlan, TestImageSecurityUpdatesPlannedAndVerified) {
    const char* image_dir = std::getenv("MOAT_TEST_IMAGE_DIR");
    if (!image_dir) GTEST_SKIP() << "MOAT_TEST_IMAGE_DIR is not set (scripts/test.sh builds the test image)";
    const fs::path expected = fs::path(image_dir) / "expected";
    auto probe_dir = private_temp_dir();
    ASSERT_TRUE(probe_dir.ok());
    if (!download_file(test_support::apt_mirror() + "/dists/bookworm/InRelease", *probe_dir / "probe-InRelease", 16 << 20))
        GTEST_SKIP() << "the machine's Debian mirror is unreachable";

    std::vector<InstalledDeb> installed;
    for (const auto& row : moat::testing::read_tsv(expected / "dpkg-packages.tsv"))
        installed.push_back({row.at("package"), row.at("version"), row.at("arch"),
                             row.at("status") == "ii" ? "install ok installed" : row.at("status"), row.at("source")});
    std::vector<FixRequest> requests;
    for (const auto& row : moat::testing::read_tsv(expected / "debian-security-updates.tsv"))
        requests.push_back({row.at("package"), row.at("installed"), "amd64", row.at("source"),
                            {{"FIX-" + row.at("package"), row.at("fixed")}}});
    ASSERT_FALSE(requests.empty());

    AptFixOptions options;
    options.rootfs_or_sources = "/";  // this machine's apt sources name the mirror
    options.download_dir = *probe_dir / "apt-fix-downloads";
    options.arch = "amd64";
    auto plan = plan_apt_fixes(options, requests, installed);
    ASSERT_TRUE(plan.ok()) << plan.error().message;

    std::map<std::string, const FetchedPackage*> by_name;
    for (const auto& package : plan->packages) {
        by_name[package.name] = &package;
        ASSERT_TRUE(fs::exists(package.file)) << package.file;
        auto hash = sha256_file(package.file);
        ASSERT_TRUE(hash.ok());
        EXPECT_EQ(*hash, package.sha256) << package.name;
        auto info = read_and_validate_deb(package.file);
        ASSERT_TRUE(info.ok()) << info.error().message;
        EXPECT_EQ(info->control["Package"], package.name);
        EXPECT_EQ(info->control["Version"], package.to_version);
        if (!package.from_version.empty()) {
            EXPECT_GT(dpkg_version_compare(package.to_version, package.from_version), 0);
        }
    }
    for (const auto& request : requests) {
        bool unfixable = false;
        for (const auto& item : plan->unfixable) unfixable |= item.name == request.name;
        if (unfixable) continue;  // a newer point release may have superseded it; reported with a reason
        auto found = by_name.find(request.name);
        ASSERT_NE(found, by_name.end()) << request.name << " neither planned nor reported unfixable";
        EXPECT_GE(dpkg_version_compare(found->second->to_version, request.findings[0].fixed_version), 0) << request.name;
        EXPECT_EQ(found->second->from_version, request.installed_version);
    }
    for (const auto& item : plan->unfixable) EXPECT_FALSE(item.reason.empty()) << item.name;
    EXPECT_LT(plan->unfixable.size(), requests.size()) << "nothing could be fixed";
    fs::remove_all(options.download_dir);
}

}  // namespace
}  // namespace moat::fix
