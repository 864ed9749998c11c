// Identifies the operating system of an image from os-release and the older per-distribution
// release files, naming the family as the vulnerability data does (Trivy's OSType strings).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "analyze/analyzer.h"
#include "analyze/file_view.h"
#include "inventory/package.h"

namespace moat {

// The os-release keys the detector uses (freedesktop os-release(5)); values unquoted.
struct OsRelease {
    std::string id;
    std::string name;
    std::string version_id;
    std::string version_codename;
    std::string pretty_name;
};

// Parses os-release text: KEY=VALUE lines, shell-style quoting, '#' comments.
OsRelease parse_os_release(std::string_view text);

class OsDetector {
public:
    static PathInterest interest();
    // The OS the files describe, or nothing when no file names a known distribution with a
    // version. os-release decides the family; an older release file of the same family may
    // give a more precise version (centos-release 7.6.1810 over VERSION_ID 7).
    std::optional<OsInfo> detect(const FileView& files) const;
};

}  // namespace moat
