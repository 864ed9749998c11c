#include "vulndb/matcher.h"

#include "vulndb/osv_import.h"

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

bool is_os_package(const Package& package) {
    return package.type == "deb" || package.type == "rpm" || package.type == "apk";
}

// The Go toolchain's version as the Go vulndb writes it: "go1.21.3" -> "1.21.3", and a
// release candidate "go1.21rc2" -> "1.21.0-rc.2" (the Go vulndb's spelling of it).
std::string go_toolchain_version(std::string version) {
    if (version.starts_with("go")) version.erase(0, 2);
    if (!version.empty() && version[0] == 'v') version.erase(0, 1);
    for (std::string_view tag : {"rc", "beta"}) {
        size_t at = version.find(tag);
        if (at == std::string::npos || at == 0 || !all_digits(version.substr(at + tag.size()))) continue;
        std::string release = version.substr(0, at);
        if (std::count(release.begin(), release.end(), '.') == 1) release += ".0";
        return release + "-" + std::string(tag) + "." + version.substr(at + tag.size());
    }
    return version;
}

// Where a package's advisories are, and under which name and version.
struct Lookup {
    std::vector<std::string> ecosystems;
    std::string name, version;
    VersionScheme scheme;
};

std::optional<Lookup> lookup_for(const Package& package, const std::optional<std::string>& os_eco) {
    auto scheme = version_scheme_for(package);
    if (!scheme) return std::nullopt;
    if (is_os_package(package)) {
        if (!os_eco) return std::nullopt;
        auto [name, version] = advisory_key(package);
        return Lookup{{*os_eco}, std::move(name), std::move(version), *scheme};
    }
    auto ecosystem = language_ecosystem(package);
    if (!ecosystem) return std::nullopt;
    Lookup lookup{{*ecosystem}, package.name, package.version, *scheme};
    if (package.type == "golang" && (package.name == "stdlib" || package.name == "toolchain"))
        lookup.version = go_toolchain_version(package.version);
    // Drupal's own advisories name their packages in the drupal.org Composer repository.
    if (package.type == "composer" && osv_package_key("Packagist", package.name).starts_with("drupal/"))
        lookup.ecosystems.push_back("Packagist:https://packages.drupal.org/8");
    // A version the ecosystem cannot read cannot be placed in a range.
    if (!is_valid_version(*scheme, lookup.version)) return std::nullopt;
    return lookup;
}

}  // namespace

std::optional<VersionScheme> version_scheme_for(const Package& package) {
    static const std::map<std::string, VersionScheme, std::less<>> kSchemes = {
        {"deb", VersionScheme::Dpkg},     {"rpm", VersionScheme::Rpm},     {"apk", VersionScheme::Apk},
        {"npm", VersionScheme::Semver},   {"cargo", VersionScheme::Semver}, {"pypi", VersionScheme::Pep440},
        {"maven", VersionScheme::Maven},  {"golang", VersionScheme::Go},   {"gem", VersionScheme::Gem},
        {"composer", VersionScheme::Composer}, {"nuget", VersionScheme::NuGet}};
    auto it = kSchemes.find(package.type);
    if (it == kSchemes.end()) return std::nullopt;
    return it->second;
}

std::optional<std::string> language_ecosystem(const Package& package) {
    static const std::map<std::string, std::string, std::less<>> kEcosystems = {
        {"npm", "npm"},      {"pypi", "PyPI"},     {"maven", "Maven"},          {"golang", "Go"},
        {"cargo", "crates.io"}, {"gem", "RubyGems"}, {"composer", "Packagist"}, {"nuget", "NuGet"}};
    auto it = kEcosystems.find(package.type);
    if (it == kEcosystems.end()) return std::nullopt;
    return it->second;
}

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
    // An insertion sort that never leaves the vector: std::sort and std::stable_sort may read
    // out of bounds with an order that is not transitive, and Maven's own order is not (see
    // maven_version.h). Ranges hold a handful of events.
    for (size_t i = 1; i < events.size(); ++i)
        for (size_t j = i; j > 0 && less(events[j], events[j - 1]); --j) std::swap(events[j], events[j - 1]);
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
    std::optional<std::string> os_eco = os ? os_ecosystem(*os) : std::nullopt;

    // Rows per (ecosystem, name): many binaries share one source package.
    std::map<std::pair<std::string, std::string>, std::vector<AffectedPackage>> by_name;
    std::map<std::string, std::optional<Advisory>> advisories;
    auto advisory_of = [&](const std::string& id) -> const std::optional<Advisory>& {
        auto it = advisories.find(id);
        if (it == advisories.end()) it = advisories.emplace(id, db_.advisory(id)).first;
        return it->second;
    };

    for (const Package& package : packages) {
        auto lookup = lookup_for(package, os_eco);
        if (!lookup) continue;
        const VersionScheme* scheme = &lookup->scheme;
        const std::string& version = lookup->version;
        std::vector<const AffectedPackage*> rows;
        for (const auto& ecosystem : lookup->ecosystems) {
            auto key = std::make_pair(ecosystem, lookup->name);
            auto cached = by_name.find(key);
            if (cached == by_name.end())
                cached = by_name.emplace(key, db_.affected(ecosystem, osv_package_key(ecosystem, lookup->name))).first;
            for (const auto& row : cached->second) rows.push_back(&row);
        }

        std::map<std::string, VulnerabilityFinding> by_id;  // one finding per CVE per package
        std::map<std::string, bool> single_cve_severity;     // severity came from a one-CVE advisory
        for (const AffectedPackage* row : rows) {
            const AffectedPackage& affected = *row;
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

            const bool malicious = advisory->id.starts_with("MAL-");
            auto ids = malicious ? std::vector<std::string>{advisory->id} : finding_ids(*advisory);
            for (const auto& id : ids) {
                auto [slot, created] = by_id.try_emplace(id);
                VulnerabilityFinding& finding = slot->second;
                if (created) {
                    finding.id = id;
                    finding.package = package;
                    finding.package.installed_files.clear();
                    finding.malicious = malicious;
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
