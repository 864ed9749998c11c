#include "fix/package_family.h"

#include <fmt/format.h>

#include <set>

namespace moat::fix {

Result<std::unique_ptr<PackageFamily>> package_family_for(const OsInfo& os) {
    static const std::set<std::string> debian = {"debian", "ubuntu"};
    static const std::set<std::string> rpm = {
        "redhat", "centos", "rocky", "alma",          "oracle",
        "amazon", "fedora", "sles",  "opensuse-leap", "opensuse-tumbleweed"};
    if (debian.count(os.family)) return make_deb_family();
    if (os.family == "alpine") return Error{"moat fix: alpine images are not supported yet"};
    if (rpm.count(os.family))
        return Error{fmt::format("moat fix: {} images (rpm) are not supported yet", os.family)};
    return Error{fmt::format("moat fix: cannot fix this image: its OS ({}) is not Debian or Ubuntu",
                             os.family.empty() ? "unknown" : os.family)};
}

}  // namespace moat::fix
