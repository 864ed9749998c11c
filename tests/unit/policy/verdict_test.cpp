#include "policy/verdict.h"

#include <gtest/gtest.h>

namespace moat::policy {
namespace {

std::vector<GateFinding> findings_of_test_image() {
    return {
        {"vulnerability", "CVE-2024-0001", Severity::Critical},
        {"vulnerability", "CVE-2024-0001", Severity::Critical},  // same CVE, second package
        {"vulnerability", "CVE-2023-0002", Severity::Critical},
        {"vulnerability", "CVE-2024-0003", Severity::High},
        {"vulnerability", "CVE-2024-0004", Severity::High},
        {"vulnerability", "CVE-2024-0005", Severity::High},
        {"vulnerability", "CVE-2024-0006", Severity::Medium},
        {"config", "CIS-DI-0001", Severity::High},  // how the image is built: never blocks a pull
    };
}

NamespacePolicy blocking_at(Severity severity) {
    NamespacePolicy policy;
    policy.block_enabled = true;
    policy.block_severity = severity;
    return policy;
}

GateInput scanned(const std::vector<GateFinding>& findings) {
    GateInput input;
    input.namespace_name = "team-a";
    input.scan_state = ScanState::done;
    input.findings = &findings;
    input.today = "2026-11-23";
    input.report_path = "/api/v1/repositories/team-a/app/manifests/sha256:abc/report";
    return input;
}

TEST(PullGate, MessageNamesNamespaceCountsFirstIdsAndReport) {
    auto findings = findings_of_test_image();
    Verdict verdict = evaluate_gate(blocking_at(Severity::High), scanned(findings));
    ASSERT_TRUE(verdict.blocked);
    EXPECT_EQ(verdict.reason,
              "blocked by policy of namespace team-a: 2 CRITICAL, 3 HIGH (CVE-2023-0002, CVE-2024-0001 and 3 more); "
              "see /api/v1/repositories/team-a/app/manifests/sha256:abc/report");
    EXPECT_EQ(verdict.blocking_ids.size(), 5u);
}

TEST(PullGate, DisabledPolicyNeverBlocks) {
    auto findings = findings_of_test_image();
    NamespacePolicy policy = blocking_at(Severity::Low);
    policy.block_enabled = false;
    EXPECT_FALSE(evaluate_gate(policy, scanned(findings)).blocked);
}

TEST(PullGate, RaisingTheThresholdOrAllowlistingLetsThePullThrough) {
    auto findings = findings_of_test_image();
    NamespacePolicy policy = blocking_at(Severity::Critical);
    EXPECT_TRUE(evaluate_gate(policy, scanned(findings)).blocked);
    policy.allowlist = {{"CVE-2024-0001", ""}, {"CVE-2023-0002", "2027-01-01"}};
    EXPECT_FALSE(evaluate_gate(policy, scanned(findings)).blocked);
}

TEST(PullGate, ExpiredAllowlistEntryCountsAgain) {
    auto findings = findings_of_test_image();
    NamespacePolicy policy = blocking_at(Severity::Critical);
    policy.allowlist = {{"CVE-2024-0001", ""}, {"CVE-2023-0002", "2026-11-22"}};
    Verdict verdict = evaluate_gate(policy, scanned(findings));
    ASSERT_TRUE(verdict.blocked);
    EXPECT_EQ(verdict.blocking_ids, std::vector<std::string>{"CVE-2023-0002"});
    policy.allowlist[1].expires = "2026-11-23";  // the expiry day itself is still covered
    EXPECT_FALSE(evaluate_gate(policy, scanned(findings)).blocked);
}

TEST(PullGate, MalwareBlocksWhateverTheThresholdWhenThePolicySaysSo) {
    std::vector<GateFinding> findings = {{"malware", "eicar-test-file", Severity::Medium}};
    NamespacePolicy policy = blocking_at(Severity::Critical);
    EXPECT_FALSE(evaluate_gate(policy, scanned(findings)).blocked);
    policy.block_malware = true;
    Verdict verdict = evaluate_gate(policy, scanned(findings));
    ASSERT_TRUE(verdict.blocked);
    EXPECT_NE(verdict.reason.find("eicar-test-file"), std::string::npos);
}

TEST(PullGate, UnscannedImagesFollowTheUnscannedRule) {
    NamespacePolicy policy = blocking_at(Severity::High);
    for (ScanState state : {ScanState::none, ScanState::queued, ScanState::running, ScanState::failed}) {
        GateInput input;
        input.namespace_name = "team-a";
        input.scan_state = state;
        policy.unscanned = UnscannedRule::allow;
        EXPECT_FALSE(evaluate_gate(policy, input).blocked) << scan_state_name(state);
        policy.unscanned = UnscannedRule::block;
        Verdict verdict = evaluate_gate(policy, input);
        EXPECT_TRUE(verdict.blocked) << scan_state_name(state);
        EXPECT_NE(verdict.reason.find("namespace team-a"), std::string::npos);
    }
    GateInput failed;
    failed.namespace_name = "team-a";
    failed.scan_state = ScanState::failed;
    EXPECT_NE(evaluate_gate(policy, failed).reason.find("scan failed"), std::string::npos);
}

TEST(PolicyJson, RoundTripsTheApiDocument) {
    auto policy = parse_policy_json(R"({"block_enabled": true, "block_severity": "high",
        "allowlist": [{"id": "CVE-2024-1", "expires": "2027-01-01"}, "CVE-2024-2"], "unscanned": "block"})");
    ASSERT_TRUE(policy.ok()) << policy.error().message;
    EXPECT_TRUE(policy->block_enabled);
    EXPECT_EQ(policy->block_severity, Severity::High);
    ASSERT_EQ(policy->allowlist.size(), 2u);
    EXPECT_EQ(policy->allowlist[0].expires, "2027-01-01");
    EXPECT_EQ(policy->unscanned, UnscannedRule::block);
    auto again = parse_policy_json(policy_to_json(*policy));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(policy_to_json(*again), policy_to_json(*policy));
}

TEST(PolicyJson, RefusesTyposAndBadValuesNamingTheField) {
    EXPECT_NE(parse_policy_json(R"({"block_enable": true})").error().message.find("block_enable"), std::string::npos);
    EXPECT_NE(parse_policy_json(R"({"block_severity": "SEVERE"})").error().message.find("block_severity"),
              std::string::npos);
    EXPECT_NE(parse_policy_json(R"({"allowlist": [{"id": "CVE-1", "expires": "next year"}]})")
                  .error().message.find("allowlist[0]"),
              std::string::npos);
    EXPECT_FALSE(parse_policy_json("[1,2]").ok());
    EXPECT_FALSE(parse_policy_json("{").ok());
}

TEST(GateFindings, ReadsVulnerabilitiesAndMalwareFromAStoredReport) {
    auto findings = gate_findings_from_report(R"({"findings": [
        {"kind": "vulnerability", "id": "CVE-1", "severity": "HIGH"},
        {"kind": "secret", "id": "aws-access-key-id", "severity": "CRITICAL"},
        {"kind": "malware", "id": "eicar-test-file", "severity": "CRITICAL"}]})");
    ASSERT_TRUE(findings.ok());
    ASSERT_EQ(findings->size(), 2u);
    EXPECT_EQ((*findings)[0].severity, Severity::High);
    EXPECT_EQ((*findings)[1].kind, "malware");
    EXPECT_FALSE(gate_findings_from_report("{}").ok());
}

TEST(UtcDate, FormatsUnixSeconds) {
    EXPECT_EQ(utc_date(0), "1970-01-01");
    EXPECT_EQ(utc_date(1795392000), "2026-11-23");
}

}  // namespace
}  // namespace moat::policy
