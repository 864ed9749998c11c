#include "fix/fix_requests.h"

#include <fmt/format.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "vulndb/version/dpkg_version.h"

namespace moat::fix {
namespace {

bool wanted(const VulnerabilityFinding& finding, const std::vector<std::string>& only) {
    if (only.empty()) return true;
    for (const auto& id : only) {
        if (finding.id == id) return true;
        if (std::find(finding.aliases.begin(), finding.aliases.end(), id) != finding.aliases.end())
            return true;
    }
    return false;
}

// "Package" and "Version" of a .deb, read with dpkg-deb (control fields are plain text).
Result<std::pair<std::string, std::string>> deb_identity(const std::filesystem::path& deb) {
    std::string quoted = "'";
    for (char c : deb.string()) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "'";
    std::string command = "dpkg-deb -f " + quoted + " Package Version Architecture 2>/dev/null";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe) return Error{fmt::format("{}: cannot run dpkg-deb", deb.string())};
    std::map<std::string, std::string> fields;
    char line[1024];
    while (std::fgets(line, sizeof line, pipe.get())) {
        std::string text = line;
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        size_t colon = text.find(": ");
        if (colon != std::string::npos) fields[text.substr(0, colon)] = text.substr(colon + 2);
    }
    if (fields["Package"].empty() || fields["Version"].empty())
        return Error{fmt::format("{}: not a .deb package (no Package/Version in its control file)",
                                 deb.string())};
    return std::make_pair(fields["Package"], fields["Version"]);
}

}  // namespace

std::vector<FixRequest> build_fix_requests(const std::vector<VulnerabilityFinding>& findings,
                                           const std::vector<std::string>& only,
                                           const std::string& package_type) {
    std::map<std::tuple<std::string, std::string, std::string>, FixRequest> by_package;
    for (const auto& finding : findings) {
        if (finding.package.type != package_type || finding.fixed_version.empty() || finding.malicious)
            continue;
        if (!wanted(finding, only)) continue;
        auto key =
            std::make_tuple(finding.package.name, finding.package.arch, finding.package.version);
        FixRequest& request = by_package[key];
        request.name = finding.package.name;
        request.installed_version = finding.package.version;
        request.arch = finding.package.arch;
        request.source_name = finding.package.source_name.empty() ? finding.package.name
                                                                  : finding.package.source_name;
        bool seen = std::any_of(request.findings.begin(), request.findings.end(),
                                [&](const FixRequest::Finding& f) { return f.id == finding.id; });
        if (!seen) request.findings.push_back({finding.id, finding.fixed_version});
    }
    std::vector<FixRequest> out;
    for (auto& [key, request] : by_package) out.push_back(std::move(request));
    return out;
}

Result<FixPlan> plan_from_local_debs(const std::vector<FixRequest>& requests,
                                     const std::vector<std::filesystem::path>& debs) {
    std::map<std::string, std::pair<std::string, std::filesystem::path>>
        offered;  // name -> version, file
    for (const auto& deb : debs) {
        auto identity = deb_identity(deb);
        if (!identity) return identity.error();
        offered[identity->first] = {identity->second, deb};
    }
    FixPlan plan;
    for (const auto& request : requests) {
        auto found = offered.find(request.name);
        std::vector<std::string> ids;
        for (const auto& finding : request.findings) ids.push_back(finding.id);
        if (found == offered.end()) {
            plan.unfixable.push_back(
                {request.name, request.installed_version, ids, "no package file given for it"});
            continue;
        }
        const auto& [version, file] = found->second;
        FetchedPackage package{
            request.name, request.installed_version, version, request.arch, file, "", {}};
        std::vector<std::string> still_open;
        for (const auto& finding : request.findings) {
            if (dpkg_version_compare(version, finding.fixed_version) >= 0)
                package.closes.push_back(finding.id);
            else
                still_open.push_back(finding.id);
        }
        if (!still_open.empty())
            plan.unfixable.push_back(
                {request.name, request.installed_version, still_open,
                 fmt::format("{} {} does not reach the fixed version", request.name, version)});
        if (dpkg_version_compare(version, request.installed_version) > 0)
            plan.packages.push_back(std::move(package));
        offered.erase(found);
    }
    // Files for packages with no finding are installed too (dependencies the user supplied).
    for (const auto& [name, offer] : offered)
        plan.packages.push_back({name, "", offer.first, "", offer.second, "", {}});
    return plan;
}

}  // namespace moat::fix
