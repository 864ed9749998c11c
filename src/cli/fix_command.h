// `moat fix IMAGE`: scan, plan package upgrades for fixable OS findings, install them into a
// copy of the root filesystem and write the result as one new layer of `<tag>_fix`.
#pragma once

#include <string>
#include <vector>

namespace moat {

struct FixOptions {
    std::string image;
    std::string output;
    bool overwrite = false;
    std::string only;  // "CVE-1,CVE-2"
    std::string db;
    std::vector<std::string> repos;  // "URI SUITE COMPONENTS..."
    std::string keyring;
    std::vector<std::string> debs;  // local package files instead of repositories
    std::string format = "table";
    bool skip_db_update = false;
    bool offline = false;
    bool quiet = false;
    bool insecure = false;  // registry images: plain HTTP
    std::string username, password;
};

int run_fix(const FixOptions& options);

}  // namespace moat
