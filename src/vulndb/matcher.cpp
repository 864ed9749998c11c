#include "vulndb/matcher.h"

#include <algorithm>
#include <map>
#include <set>

namespace moat {
namespace {

std::string major_of(const std::string& version) { return version.substr(0, version.find('.')); }

std::string major_minor_of(const std::string& version) {
    size_t first = version.find('.');
    if (first == std::string::npos) return version;
    size_t second = version.find('.', first + 1);
    return version.substr(0, second);
}

bool all_digits(const std::string& text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<VersionScheme> scheme_for(const Package& package) {
    if (package.type == "deb") return VersionScheme::Dpkg;
    if (package.type == "rpm") return VersionScheme::Rpm;
    if (package.type == "apk") return VersionScheme::Apk;
    return std::nullopt;
}

// The name and version the vendor's advisories use for this package: Debian, Ubuntu and Alpine
// publish per source package; rpm distributions per binary package, as epoch:version-release.
std::pair<std::string, std::string> advisory_key(const Package& package) {
    if (package.type == "deb")
        return {package.source_name.empty() ? package.name : package.source_name,
                package.source_version.empty() ? package.version : package.source_version};
    if (package.type == "apk")
        return {package.source_name.empty() ? package.name : package.source_name, package.version};
    std::string evr = package.version;
    if (!package.release.empty()) evr += "-" + package.release;
    if (package.epoch && *package.epoch != 0) evr = std::to_string(*package.epoch) + ":" + evr;
    return {package.name, evr};
}

// The public ids an advisory stands for: its CVE ids, else its GHSA ids, else its own id.
// Findings are keyed by these, so vendor records about the same CVE merge into one finding.
std::vector<std::string> finding_ids(const Advisory& advisory) {
    for (std::string_view prefix : {"CVE-", "GHSA-"}) {
        std::vector<std::string> out;
        if (advisory.id.rfind(prefix, 0) == 0) out.push_back(advisory.id);
        for (const auto& alias : advisory.aliases)
            if (alias.rfind(prefix, 0) == 0 && std::find(out.begin(), out.end(), alias) == out.end())
                out.push_back(alias);
        if (!out.empty()) return out;
    }
    return {advisory.id};
}

bool is_minimum(const std::string& version) { return version == "0" || version.empty(); }

}  // namespace

std::optional<std::string> os_ecosystem(const OsInfo& os) {
    const std::string& family = os.family;
    if (family == "debian") {
        std::string major = major_of(os.version);
        if (all_digits(major)) return "Debian:" + major;
        return std::nullopt;
    }
    if (family == "ubuntu") {
        std::string version = major_minor_of(os.version);
        std::string major = major_of(version);
        // Canonical's LTS releases are the even years' April releases.
        bool lts = all_digits(major) && std::stoi(major) % 2 == 0 && version.ends_with(".04");
        return "Ubuntu:" + version + (lts ? ":LTS" : "");
    }
    if (family == "alpine") return "Alpine:v" + major_minor_of(os.version);
    if (family == "alma") return "AlmaLinux:" + major_of(os.version);
    if (family == "rocky") return "Rocky Linux:" + major_of(os.version);
    if (family == "opensuse-leap") return "openSUSE:Leap " + os.version;
    return std::nullopt;
}

bool version_in_range(VersionScheme scheme, std::string_view version, const AffectedRange& range,
                      std::string* fixed) {
    // The OSV evaluation: walk the events in version order; "introduced" opens the range,
    // "fixed" closes it at that version, "last_affected" closes it just after.
    std::vector<const RangeEvent*> events;
    for (const auto& event : range.events) events.push_back(&event);
    auto less = [scheme](const RangeEvent* a, const RangeEvent* b) {
        bool a_min = a->kind == RangeEvent::Kind::Introduced && is_minimum(a->version);
        bool b_min = b->kind == RangeEvent::Kind::Introduced && is_minimum(b->version);
        if (a_min || b_min) return a_min && !b_min;
        return compare_versions(scheme, a->version, b->version) < 0;
    };
    std::stable_sort(events.begin(), events.end(), less);
    bool affected = false;
    for (const RangeEvent* event : events) {
        switch (event->kind) {
            case RangeEvent::Kind::Introduced:
                if (is_minimum(event->version) || compare_versions(scheme, version, event->version) >= 0)
                    affected = true;
                break;
            case RangeEvent::Kind::Fixed:
                if (compare_versions(scheme, version, event->version) >= 0) affected = false;
                break;
            case RangeEvent::Kind::LastAffected:
                if (compare_versions(scheme, version, event->version) > 0) affected = false;
                break;
            case RangeEvent::Kind::Limit:
                break;
        }
    }
    if (affected && fixed) {
        fixed->clear();
        for (const RangeEvent* event : events)
            if (event->kind == RangeEvent::Kind::Fixed &&
                compare_versions(scheme, event->version, version) > 0) {
                *fixed = event->version;
                break;
            }
    }
    return affected;
}

std::vector<VulnerabilityFinding> Matcher::match(const std::vector<Package>& packages,
                                                 const std::optional<OsInfo>& os) const {
    std::vector<VulnerabilityFinding> findings;
    if (!os) return findings;
    auto ecosystem = os_ecosystem(*os);
    if (!ecosystem) return findings;

    std::map<std::string, std::vector<AffectedPackage>> by_name;  // many binaries, one source
    std::map<std::string, std::optional<Advisory>> advisories;
    auto advisory_of = [&](const std::string& id) -> const std::optional<Advisory>& {
        auto it = advisories.find(id);
        if (it == advisories.end()) it = advisories.emplace(id, db_.advisory(id)).first;
        return it->second;
    };

    for (const Package& package : packages) {
        auto scheme = scheme_for(package);
        if (!scheme) continue;
        auto [name, version] = advisory_key(package);
        auto cached = by_name.find(name);
        if (cached == by_name.end()) cached = by_name.emplace(name, db_.affected(*ecosystem, name)).first;

        std::map<std::string, VulnerabilityFinding> by_id;  // one finding per CVE per package
        std::map<std::string, bool> single_cve_severity;     // severity came from a one-CVE advisory
        for (const AffectedPackage& affected : cached->second) {
            const auto& advisory = advisory_of(affected.advisory_id);
            if (!advisory || advisory->withdrawn) continue;
            bool hit = false;
            std::string fixed;
            for (const auto& range : affected.ranges) {
                if (range.type == "GIT") continue;
                std::string range_fixed;
                if (version_in_range(*scheme, version, range, &range_fixed)) {
                    hit = true;
                    if (!range_fixed.empty() &&
                        (fixed.empty() || compare_versions(*scheme, range_fixed, fixed) > 0))
                        fixed = range_fixed;
                }
            }
            for (const auto& listed : affected.versions)
                if (compare_versions(*scheme, listed, version) == 0) hit = true;
            if (!hit) continue;

            auto ids = finding_ids(*advisory);
            for (const auto& id : ids) {
                auto [slot, created] = by_id.try_emplace(id);
                VulnerabilityFinding& finding = slot->second;
                if (created) {
                    finding.id = id;
                    finding.package = package;
                    finding.package.installed_files.clear();
                }
                auto add_alias = [&](const std::string& alias) {
                    if (alias != id && std::find(finding.aliases.begin(), finding.aliases.end(), alias) ==
                                           finding.aliases.end())
                        finding.aliases.push_back(alias);
                };
                add_alias(advisory->id);
                // An advisory about this one CVE may also name its GHSA id.
                if (ids.size() == 1)
                    for (const auto& alias : advisory->aliases)
                        if (alias.rfind("GHSA-", 0) == 0) add_alias(alias);
                // When sources disagree, the higher fixed version satisfies both.
                if (!fixed.empty() && (finding.fixed_version.empty() ||
                                       compare_versions(*scheme, fixed, finding.fixed_version) > 0))
                    finding.fixed_version = fixed;
                // Severity: an advisory about this CVE alone beats one covering many CVEs.
                bool single = ids.size() == 1;
                bool has_severity = advisory->severity != Severity::Unknown;
                if (has_severity && (finding.severity == 0 || (single && !single_cve_severity[id]))) {
                    finding.severity = static_cast<int>(advisory->severity);
                    finding.severity_source = advisory->severity_source;
                    single_cve_severity[id] = single;
                }
                if (finding.title.empty() || (single && advisory->id.rfind("CVE", 0) != 0))
                    if (!advisory->summary.empty()) finding.title = advisory->summary;
            }
        }
        for (auto& [id, finding] : by_id) {
            finding.status = finding.fixed_version.empty() ? FixStatus::Affected : FixStatus::Fixed;
            findings.push_back(std::move(finding));
        }
    }
    std::stable_sort(findings.begin(), findings.end(), [](const auto& a, const auto& b) {
        if (a.severity != b.severity) return a.severity > b.severity;
        if (a.package.name != b.package.name) return a.package.name < b.package.name;
        return a.id < b.id;
    });
    return findings;
}

}  // namespace moat
