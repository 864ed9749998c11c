// The pull gate's decision: (scan state, findings, policy) -> verdict, pure, so the registry, the
// admission webhook and tests all reach the same answer and the same message.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "policy/namespace_policy.h"

namespace moat::policy {

// What the policy looks at in a stored report: vulnerabilities at or above the threshold, and
// malware when the policy says so (config, baseline and secret findings describe how an image
// was built; `moat scan --exit-code` gates them in CI).
struct GateFinding {
    std::string kind;  // "vulnerability", "malware", ...
    std::string id;
    Severity severity = Severity::Unknown;
};

enum class ScanState { none, queued, running, done, failed };
std::string_view scan_state_name(ScanState state);  // "none", "queued", ...

struct Verdict {
    bool blocked = false;
    std::string reason;                      // the message a person sees in skopeo/podman output
    std::array<int, 5> counts{};             // blocking findings by Severity (index = int(Severity))
    std::vector<std::string> blocking_ids;   // distinct ids, worst first
};

struct GateInput {
    std::string_view namespace_name;
    ScanState scan_state = ScanState::none;
    const std::vector<GateFinding>* findings = nullptr;  // when scan_state == done
    std::string_view today;                               // "YYYY-MM-DD", for allowlist expiry
    std::string_view report_path;                         // "/api/v1/repositories/…/report"
};

Verdict evaluate_gate(const NamespacePolicy& policy, const GateInput& input);

// The findings of a stored `moat scan` JSON report (CLI.md shape) that the gate considers.
Result<std::vector<GateFinding>> gate_findings_from_report(std::string_view report_json);

}  // namespace moat::policy
