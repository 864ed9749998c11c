#include "cli/scan_options.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace moat {
namespace {

bool is_date(const std::string& text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (text[i] < '0' || text[i] > '9') return false;
    return true;
}

}  // namespace

Result<std::set<Severity>> parse_severity_filter(const std::string& text) {
    std::set<Severity> out;
    if (text.empty()) {
        for (int level = 0; level <= 4; ++level) out.insert(static_cast<Severity>(level));
        return out;
    }
    std::vector<Severity> listed;
    std::stringstream parts(text);
    std::string part;
    while (std::getline(parts, part, ',')) {
        auto severity = parse_severity(part);
        if (!severity)
            return Error{fmt::format("--severity {}: unknown severity \"{}\" (use CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN)",
                                     text, part)};
        listed.push_back(*severity);
    }
    if (listed.size() == 1 && listed[0] != Severity::Unknown) {
        for (int level = static_cast<int>(listed[0]); level <= 4; ++level) out.insert(static_cast<Severity>(level));
        return out;
    }
    out.insert(listed.begin(), listed.end());
    return out;
}

Result<std::vector<IgnoreRule>> read_ignorefile(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Error{fmt::format("--ignorefile {}: cannot read", path)};
    std::vector<IgnoreRule> out;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (size_t hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        std::stringstream words(line);
        IgnoreRule rule;
        if (!(words >> rule.id)) continue;
        std::string expiry;
        if (words >> expiry) {
            if (expiry.rfind("exp:", 0) == 0) expiry = expiry.substr(4);
            if (!is_date(expiry))
                return Error{fmt::format("--ignorefile {}: line {}: \"{}\" is not a YYYY-MM-DD expiry date", path,
                                         number, expiry)};
            rule.expires = expiry;
        }
        out.push_back(std::move(rule));
    }
    return out;
}

std::vector<VulnerabilityFinding> filter_findings(std::vector<VulnerabilityFinding> findings,
                                                  const std::set<Severity>& severities,
                                                  const std::vector<IgnoreRule>& ignores,
                                                  bool ignore_unfixed, const std::string& today) {
    auto ignored = [&](const VulnerabilityFinding& finding) {
        for (const auto& rule : ignores) {
            if (!rule.expires.empty() && rule.expires < today) continue;
            if (rule.id == finding.id ||
                std::find(finding.aliases.begin(), finding.aliases.end(), rule.id) != finding.aliases.end())
                return true;
        }
        return false;
    };
    std::erase_if(findings, [&](const VulnerabilityFinding& finding) {
        return (ignore_unfixed && finding.status != FixStatus::Fixed) ||
               !severities.count(static_cast<Severity>(finding.severity)) || ignored(finding);
    });
    return findings;
}

std::vector<RiskFinding> filter_risks(std::vector<RiskFinding> findings, const std::set<Severity>& severities,
                                      const std::vector<IgnoreRule>& ignores, const std::string& today) {
    std::erase_if(findings, [&](const RiskFinding& finding) {
        if (!severities.count(static_cast<Severity>(finding.severity))) return true;
        return std::any_of(ignores.begin(), ignores.end(), [&](const IgnoreRule& rule) {
            return (rule.expires.empty() || rule.expires >= today) && rule.id == finding.id;
        });
    });
    return findings;
}

std::string today_utc() {
    std::time_t now = std::time(nullptr);
    std::tm parts{};
    ::gmtime_r(&now, &parts);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &parts);
    return text;
}

}  // namespace moat
