#include "support/fix_packages.h"

#include <sstream>

#include "support/run_command.h"

namespace moat::testing {

namespace fs = std::filesystem;

std::map<std::string, std::string> dpkg_versions(const fs::path& rootfs,
                                                 const std::set<std::string>& packages) {
    std::vector<std::string> argv = {"dpkg-query",
                                     "--admindir=" + (rootfs / "var/lib/dpkg").string(), "-W",
                                     "-f=${Package} ${Version}\n"};
    argv.insert(argv.end(), packages.begin(), packages.end());
    auto result = run_command(argv);
    std::map<std::string, std::string> out;
    std::istringstream lines(result.out);
    for (std::string name, version; lines >> name >> version;) out[name] = version;
    return out;
}

std::vector<std::string> fetch_openssl_debs(const fs::path& upgraded, const fs::path& downloads,
                                            std::string& why) {
    auto reference = dpkg_versions(upgraded, {"libssl3", "openssl"});
    fs::create_directories(downloads);
    std::vector<std::string> extra;
    for (const auto& [name, version] : reference) {
        auto fetched = run_command(
            {"sh", "-c",
             "cd '" + downloads.string() + "' && apt-get download -q " + name + "=" + version});
        if (fetched.exit_code != 0) {
            why = "apt-get download " + name + "=" + version + " failed: " + fetched.err;
            return {};
        }
    }
    for (const auto& entry : fs::directory_iterator(downloads)) {
        extra.push_back("--deb");
        extra.push_back(entry.path().string());
    }
    return extra;
}

}  // namespace moat::testing
