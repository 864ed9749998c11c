// Language packages next to OS packages: files a dpkg package installed (Debian's python3-yaml
// dist-info, a jar under usr/share/java) are the distribution's and are not reported again as
// pypi/maven packages, while what pip installed on its own is.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "support/test_images.h"

namespace moat::testing {
namespace {

using json = nlohmann::json;

TEST(LanguageInventory, FilesOwnedByOsPackagesAreNotReportedTwice) {
    ScratchDir scratch;
    const fs::path root = scratch / "rootfs";
    write_file(root / "etc/os-release", os_release("debian", "12"));
    write_file(root / "var/lib/dpkg/status",
               "Package: python3-yaml\nStatus: install ok installed\nVersion: 6.0-3+b2\nArchitecture: amd64\n\n"
               "Package: libcommons-lang3-java\nStatus: install ok installed\nVersion: 3.12.0-2\nArchitecture: all\n\n");
    write_file(root / "var/lib/dpkg/info/python3-yaml.list",
               "/.\n/usr\n/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info\n"
               "/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA\n");
    write_file(root / "var/lib/dpkg/info/libcommons-lang3-java.list", "/.\n/usr/share/java/commons-lang3-3.12.0.jar\n");
    write_file(root / "usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA",
               "Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0\n");
    write_file(root / "usr/share/java/commons-lang3-3.12.0.jar", "not even a zip: never opened");
    write_file(root / "usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA",
               "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n");

    auto run = run_moat({"sbom", "dir:" + root.string(), "--format", "json", "--quiet"}, scratch.path());
    ASSERT_EQ(run.exit_code, 0) << run.describe();
    json report = json::parse(run.out);
    std::set<std::string> seen;
    for (const auto& package : report["packages"])
        seen.insert(package["type"].get<std::string>() + " " + package["name"].get<std::string>() + " " +
                    package["path"].get<std::string>());
    EXPECT_EQ(seen, (std::set<std::string>{
                        "deb libcommons-lang3-java var/lib/dpkg/status",
                        "deb python3-yaml var/lib/dpkg/status",
                        "pypi requests usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA",
                    }));
}

}  // namespace
}  // namespace moat::testing
