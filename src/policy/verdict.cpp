#include "policy/verdict.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace moat::policy {

namespace {

constexpr size_t kIdsNamedInReason = 2;

bool kind_can_block(std::string_view kind) { return kind == "vulnerability" || kind == "malware"; }

bool allowlisted(const NamespacePolicy& policy, std::string_view id, std::string_view today) {
    for (const auto& entry : policy.allowlist)
        if (entry.id == id && allowlist_entry_active(entry, today)) return true;
    return false;
}

std::string see_report(std::string_view report_path) {
    return report_path.empty() ? std::string() : fmt::format("; see {}", report_path);
}

}  // namespace

std::string_view scan_state_name(ScanState state) {
    switch (state) {
        case ScanState::none: return "none";
        case ScanState::queued: return "queued";
        case ScanState::running: return "running";
        case ScanState::done: return "done";
        case ScanState::failed: return "failed";
    }
    return "none";
}

Verdict evaluate_gate(const NamespacePolicy& policy, const GateInput& input) {
    Verdict verdict;
    if (!policy.block_enabled) return verdict;

    if (input.scan_state != ScanState::done) {
        if (policy.unscanned == UnscannedRule::allow) return verdict;
        verdict.blocked = true;
        std::string_view what = input.scan_state == ScanState::failed ? "its scan failed"
                                : input.scan_state == ScanState::none ? "it has not been scanned"
                                                                      : "its scan has not finished";
        verdict.reason = fmt::format("blocked by policy of namespace {}: {} and unscanned images are blocked{}",
                                     input.namespace_name, what, see_report(input.report_path));
        return verdict;
    }

    // Distinct ids, each at the worst severity it was reported with.
    std::vector<std::pair<std::string, Severity>> blocking;
    if (input.findings) {
        for (const auto& finding : *input.findings) {
            bool counts = finding.kind == "malware" ? policy.block_malware
                                                    : finding.kind == "vulnerability" &&
                                                          finding.severity >= policy.block_severity;
            if (!counts) continue;
            if (allowlisted(policy, finding.id, input.today)) continue;
            auto same = std::find_if(blocking.begin(), blocking.end(),
                                     [&](const auto& item) { return item.first == finding.id; });
            if (same == blocking.end()) blocking.emplace_back(finding.id, finding.severity);
            else same->second = std::max(same->second, finding.severity);
        }
    }
    if (blocking.empty()) return verdict;

    std::stable_sort(blocking.begin(), blocking.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    verdict.blocked = true;
    for (const auto& [id, severity] : blocking) {
        verdict.blocking_ids.push_back(id);
        ++verdict.counts[static_cast<size_t>(severity)];
    }
    std::string counts;
    for (int level = static_cast<int>(Severity::Critical); level >= 0; --level) {
        int count = verdict.counts[static_cast<size_t>(level)];
        if (count == 0) continue;
        if (!counts.empty()) counts += ", ";
        counts += fmt::format("{} {}", count, severity_name(static_cast<Severity>(level)));
    }
    std::string ids;
    for (size_t i = 0; i < blocking.size() && i < kIdsNamedInReason; ++i) ids += (i ? ", " : "") + blocking[i].first;
    if (blocking.size() > kIdsNamedInReason) ids += fmt::format(" and {} more", blocking.size() - kIdsNamedInReason);
    verdict.reason = fmt::format("blocked by policy of namespace {}: {} ({}){}", input.namespace_name, counts, ids,
                                 see_report(input.report_path));
    return verdict;
}

Result<std::vector<GateFinding>> gate_findings_from_report(std::string_view report_json) {
    nlohmann::json report = nlohmann::json::parse(report_json, nullptr, false);
    if (report.is_discarded() || !report.is_object()) return Error{"scan report: not a JSON object"};
    auto findings = report.find("findings");
    if (findings == report.end() || !findings->is_array()) return Error{"scan report: no \"findings\" array"};
    std::vector<GateFinding> out;
    for (const auto& item : *findings) {
        if (!item.is_object()) continue;
        GateFinding finding;
        finding.kind = item.value("kind", "");
        finding.id = item.value("id", "");
        finding.severity = parse_severity(item.value("severity", "")).value_or(Severity::Unknown);
        if (!finding.id.empty() && kind_can_block(finding.kind)) out.push_back(std::move(finding));
    }
    return out;
}

}  // namespace moat::policy
