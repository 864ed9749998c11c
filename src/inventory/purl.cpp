#include "inventory/purl.h"

#include <cctype>
#include <cstdio>
#include <vector>

namespace moat {
namespace {

// Percent-encodes everything but the characters purl leaves readable in a segment.
std::string encode(const std::string& text, bool keep_slash = false) {
    std::string out;
    for (unsigned char c : text) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '.' || c == '-' || c == '_' || c == '~' || c == ':' || c == '+' ||
                     (keep_slash && c == '/');
        if (plain) {
            out.push_back(static_cast<char>(c));
        } else {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", c);
            out += escaped;
        }
    }
    return out;
}

std::string os_namespace(const Package& package, const OsInfo* os) {
    if (os && !os->family.empty()) return os->family;
    if (package.type == "deb") return "debian";
    if (package.type == "apk") return "alpine";
    return {};
}

bool is_os_type(const std::string& type) { return type == "deb" || type == "apk" || type == "rpm"; }

// The namespace/name part of a language package's purl: Maven's "group:artifact" becomes
// "group/artifact", PyPI names are normalised (PEP 503 lower case, '_' as '-'), and the
// slashes of scoped npm names, Go module paths and Composer names stay segment separators.
std::string language_name_path(const Package& package) {
    std::string name = package.name;
    if (package.type == "maven") {
        if (auto colon = name.find(':'); colon != std::string::npos) name[colon] = '/';
    } else if (package.type == "pypi") {
        for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return encode(name, /*keep_slash=*/true);
}

}  // namespace

std::string package_url(const Package& package, const OsInfo* os) {
    std::string out = "pkg:" + package.type + "/";
    if (is_os_type(package.type)) {
        std::string space = os_namespace(package, os);
        if (!space.empty()) out += encode(space) + "/";
        out += encode(package.name);
    } else {
        out += language_name_path(package);
    }
    std::string version = package.version;
    if (package.type == "rpm" && !package.release.empty()) version += "-" + package.release;
    if (!version.empty()) {
        out += '@';
        out += encode(version);
    }

    std::vector<std::pair<std::string, std::string>> qualifiers;  // kept sorted by key
    if (!package.arch.empty())  // a gem's platform has its own qualifier (x86_64-linux, java)
        qualifiers.emplace_back(package.type == "gem" ? "platform" : "arch", package.arch);
    if (os && !os->family.empty() && (package.type == "deb" || package.type == "apk" || package.type == "rpm"))
        qualifiers.emplace_back("distro", os->version.empty() ? os->family : os->family + "-" + os->version);
    if (package.type == "rpm" && package.epoch && *package.epoch != 0)
        qualifiers.emplace_back("epoch", std::to_string(*package.epoch));
    if (!package.source_name.empty() && package.source_name != package.name)
        qualifiers.emplace_back("upstream", package.source_name);
    char separator = '?';
    for (const auto& [key, value] : qualifiers) {
        out += separator + key + "=" + encode(value);
        separator = '&';
    }
    return out;
}

}  // namespace moat
