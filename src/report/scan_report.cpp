#include "report/scan_report.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "report/sbom_report.h"
#include "vulndb/matcher.h"
#include "vulndb/version/version_compare.h"

namespace moat {

using json = nlohmann::json;

namespace {

std::string_view status_name(FixStatus status) {
    switch (status) {
        case FixStatus::Fixed: return "fixed";
        case FixStatus::Affected: return "affected";
        case FixStatus::WillNotFix: return "will_not_fix";
    }
    return "affected";
}

std::string_view severity_color(int severity) {
    switch (static_cast<Severity>(severity)) {
        case Severity::Critical: return "\033[1;31m";
        case Severity::High: return "\033[31m";
        case Severity::Medium: return "\033[33m";
        case Severity::Low: return "\033[34m";
        default: return "\033[2m";
    }
}

json finding_package_json(const Package& package) {
    json out = {{"type", package.type}, {"name", package.name}, {"version", package.version}};
    if (package.type == "rpm") {
        if (package.epoch) out["epoch"] = *package.epoch;
        out["release"] = package.release;
    }
    if (!package.source_name.empty()) out["source_name"] = package.source_name;
    if (!package.source_version.empty()) out["source_version"] = package.source_version;
    out["path"] = package.path;
    out["layer"] = package.layer.empty() ? json(nullptr) : json(package.layer);
    return out;
}

// Orders two fixed versions of the same package with its ecosystem's rules.
int compare_fixed(const Package& package, const std::string& a, const std::string& b) {
    return compare_versions(version_scheme_for(package).value_or(VersionScheme::Dpkg), a, b);
}

}  // namespace

std::string upgrade_command(const Package& package, const std::string& version) {
    if (package.type == "deb") return fmt::format("apt-get install --only-upgrade {}={}", package.name, version);
    if (package.type == "apk") return fmt::format("apk add --upgrade {}>={}", package.name, version);
    if (package.type == "rpm") {
        std::string target = version;
        if (size_t colon = target.find(':'); colon != std::string::npos) target = target.substr(colon + 1);
        return fmt::format("yum update {}-{}", package.name, target);
    }
    // Language packages: the ecosystem's own command, run in the project that holds `path`.
    if (package.type == "npm") return fmt::format("npm install {}@{}", package.name, version);
    if (package.type == "pypi") return fmt::format("pip install '{}=={}'", package.name, version);
    if (package.type == "maven") return fmt::format("set {} to version {} in pom.xml / build.gradle", package.name, version);
    if (package.type == "golang") {
        std::string go_version = version.starts_with('v') ? version : "v" + version;
        if (package.name == "stdlib") return fmt::format("rebuild with Go {}", go_version.substr(1));
        return fmt::format("go get {}@{}", package.name, go_version);
    }
    if (package.type == "cargo") return fmt::format("cargo update -p {} --precise {}", package.name, version);
    if (package.type == "gem") return fmt::format("bundle update {} (to {} or later)", package.name, version);
    if (package.type == "composer") return fmt::format("composer require {}:^{}", package.name, version);
    if (package.type == "nuget") return fmt::format("dotnet add package {} --version {}", package.name, version);
    return {};
}

// CLI.md's shapes: every kind has kind, id, severity and title; file findings path and layer;
// secrets line and the redacted match; malware the sha256; config findings the evidence.
json risk_json(const RiskFinding& finding) {
    json out = {{"kind", finding.kind},
                {"id", finding.id},
                {"severity", std::string(severity_name(static_cast<Severity>(finding.severity)))},
                {"title", finding.title}};
    if (!finding.path.empty()) out["path"] = finding.path;
    if (finding.line) out["line"] = finding.line;
    if (!finding.layer.empty()) out["layer"] = finding.layer;
    if (!finding.match.empty()) out["match"] = finding.match;
    if (!finding.sha256.empty()) out["sha256"] = finding.sha256;
    if (!finding.evidence.empty()) out["evidence"] = finding.evidence;
    if (!finding.fix.empty()) out["fix"] = finding.fix;
    if (finding.deleted) out["deleted"] = true;
    return out;
}

json scan_json(const ScanResult& result) {
    json findings = json::array();
    std::map<std::string, int> summary = {{"CRITICAL", 0}, {"HIGH", 0}, {"MEDIUM", 0}, {"LOW", 0}, {"UNKNOWN", 0}};
    for (const auto& finding : result.vulnerabilities) {
        std::string severity(severity_name(static_cast<Severity>(finding.severity)));
        ++summary[severity];
        json out = {{"kind", finding.malicious ? "malware" : "vulnerability"},  // MAL- advisories
                    {"id", finding.id},
                    {"aliases", finding.aliases},
                    {"severity", severity},
                    {"severity_source", finding.severity_source.empty() ? json(nullptr) : json(finding.severity_source)},
                    {"package", finding_package_json(finding.package)},
                    {"status", status_name(finding.status)},
                    {"fixed_version", finding.fixed_version.empty() ? json(nullptr) : json(finding.fixed_version)},
                    {"title", finding.title}};
        if (!finding.fixed_version.empty())
            out["fix"] = upgrade_command(finding.package, finding.fixed_version);
        findings.push_back(std::move(out));
    }
    for (const auto& finding : result.risks) {
        std::string severity(severity_name(static_cast<Severity>(finding.severity)));
        ++summary[severity];
        findings.push_back(risk_json(finding));
    }
    return {{"image", image_json(result.inventory.image)},
            {"os", os_json(result.inventory.os)},
            {"db", {{"schema", result.db.schema_version},
                    {"updated_at", result.db.updated_at.empty() ? json(nullptr) : json(result.db.updated_at)}}},
            {"findings", findings},
            {"summary", summary}};
}

// Secret, malware, config and baseline findings, one section per kind.
std::string risk_table(const std::vector<RiskFinding>& risks, bool color) {
    static const std::pair<std::string_view, std::string_view> kSections[] = {
        {"secret", "Secrets"}, {"malware", "Malware"}, {"config", "Image configuration"}, {"baseline", "Baseline"}};
    const char* reset = color ? "\033[0m" : "";
    std::string out;
    for (const auto& [kind, heading] : kSections) {
        bool first = true;
        for (const auto& finding : risks) {
            if (finding.kind != kind) continue;
            if (first) out += fmt::format("\n{}\n", heading);
            first = false;
            std::string severity(severity_name(static_cast<Severity>(finding.severity)));
            std::string where = finding.path;
            if (finding.line) where += fmt::format(":{}", finding.line);
            if (finding.deleted) where += " (deleted in a later layer)";
            out += fmt::format("  {}{:<8}{}  {:<24}  {}\n", color ? severity_color(finding.severity) : "", severity, reset,
                               finding.id, finding.title);
            if (!where.empty()) out += fmt::format("            at {}{}\n", where, finding.match.empty() ? "" : "  " + finding.match);
            if (!finding.fix.empty()) out += fmt::format("            fix: {}\n", finding.fix);
        }
    }
    return out;
}

std::string scan_table(const ScanResult& result, bool color) {
    const auto& inventory = result.inventory;
    std::string out = fmt::format("{}\n", inventory.image.ref);
    if (inventory.os)
        out += fmt::format("OS: {} {}   packages: {}   vulnerability data: {}\n", inventory.os->family,
                           inventory.os->version, inventory.packages.size(),
                           result.db.schema_version == 0 ? "not used" : result.db.updated_at.empty() ? "unknown age" : result.db.updated_at);
    else
        out += fmt::format("OS: not recognised   packages: {}\n", inventory.packages.size());

    std::map<std::string, int> summary;
    for (const auto& finding : result.vulnerabilities) ++summary[std::string(severity_name(static_cast<Severity>(finding.severity)))];
    for (const auto& finding : result.risks) ++summary[std::string(severity_name(static_cast<Severity>(finding.severity)))];
    out += fmt::format("Total: {} (CRITICAL: {}, HIGH: {}, MEDIUM: {}, LOW: {}, UNKNOWN: {})\n",
                       result.vulnerabilities.size() + result.risks.size(), summary["CRITICAL"], summary["HIGH"],
                       summary["MEDIUM"], summary["LOW"], summary["UNKNOWN"]);

    // Group by installed package, most severe package first.
    std::vector<std::string> order;
    std::map<std::string, std::vector<const VulnerabilityFinding*>> groups;
    for (const auto& finding : result.vulnerabilities) {
        std::string key = finding.package.type + " " + finding.package.name + " " + finding.package.version;
        if (!groups.count(key)) order.push_back(key);
        groups[key].push_back(&finding);
    }
    const char* reset = color ? "\033[0m" : "";
    for (const auto& key : order) {
        const auto& group = groups[key];
        const Package& package = group.front()->package;
        std::string version = package.version;
        if (package.type == "rpm" && !package.release.empty()) version += "-" + package.release;
        out += fmt::format("\n{} {} ({}, {})\n", package.name, version, package.type, package.path);
        std::string highest_fix;
        for (const auto* finding : group) {
            std::string severity(severity_name(static_cast<Severity>(finding->severity)));
            out += fmt::format("  {}{:<8}{}  {:<20}  {:<28}  {}\n", color ? severity_color(finding->severity) : "",
                               severity, reset, finding->id,
                               finding->fixed_version.empty() ? "no fix yet" : "fixed in " + finding->fixed_version,
                               finding->title.substr(0, 80));
            if (!finding->fixed_version.empty() &&
                (highest_fix.empty() || compare_fixed(package, finding->fixed_version, highest_fix) > 0))
                highest_fix = finding->fixed_version;
        }
        if (!highest_fix.empty()) out += fmt::format("  fix: {}\n", upgrade_command(package, highest_fix));
    }
    out += risk_table(result.risks, color);
    return out;
}

}  // namespace moat
