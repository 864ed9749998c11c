// Test support: the Debian mirror this machine's apt is configured with (read at run time from
// /etc/apt/sources.list.d/*.sources and /etc/apt/sources.list), for writing realistic apt
// sources lists into test images without naming a host in the repository.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace moat::test_support {

inline std::string apt_mirror() {
    namespace fs = std::filesystem;
    std::error_code error;
    const fs::path dir = "/etc/apt/sources.list.d";
    auto first_uri = [](const fs::path& file, bool deb822) -> std::string {
        std::ifstream in(file);
        for (std::string line; std::getline(in, line);) {
            std::istringstream words(line);
            std::string first, second;
            words >> first >> second;
            if (deb822 && first == "URIs:" && second.starts_with("http")) return second;
            if (!deb822 && first == "deb" && second.starts_with("http")) return second;
        }
        return {};
    };
    if (fs::is_directory(dir, error))
        for (const auto& entry : fs::directory_iterator(dir, error))
            if (entry.path().extension() == ".sources")
                if (auto uri = first_uri(entry.path(), true); !uri.empty()) return uri;
    if (auto uri = first_uri("/etc/apt/sources.list", false); !uri.empty()) return uri;
    return "http://mirror.example.invalid/debian";
}

}  // namespace moat::test_support
