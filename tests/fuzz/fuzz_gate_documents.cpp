// Fuzzes the documents the registry's gate reads from the network or from storage: namespace
// policies and the scan configuration (API bodies), AdmissionReviews (the webhook), image
// references in them, stored scan reports and inventories. None may crash or accept a policy
// that a round trip through its JSON form changes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "image/digest.h"
#include "image/image_reference.h"
#include "policy/verdict.h"
#include "registry/admission/admission_review.h"
#include "registry/scan/scan_config.h"
#include "report/sbom_reader.h"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto policy = moat::policy::parse_policy_json(text)) {
        std::string json = moat::policy::policy_to_json(*policy);
        auto again = moat::policy::parse_policy_json(json);
        require(again.ok() && moat::policy::policy_to_json(*again) == json);
    }
    if (auto config = moat::registry::parse_scan_config_json(text, moat::registry::ScanConfig{})) {
        require(moat::registry::parse_scan_config_json(moat::registry::scan_config_to_json(*config), {}).ok());
        (void)moat::registry::next_cycle_start(*config, 1795392000, 1795392000 + 7200);
    }
    if (auto request = moat::registry::parse_admission_review(text)) {
        std::string answer = moat::registry::review_images(*request, [](const std::string& image) {
            auto reference = moat::parse_image_reference(image);
            return moat::registry::ImageDecision{reference.ok(), "unparsable"};
        });
        require(!answer.empty());
    }
    if (auto reference = moat::parse_image_reference(text)) {
        require(!reference->repository.empty());
        require(reference->digest.empty() || moat::is_sha256_digest(reference->digest));
    }
    if (auto findings = moat::policy::gate_findings_from_report(text)) {
        moat::policy::NamespacePolicy policy;
        policy.block_enabled = true;
        moat::policy::GateInput input;
        input.namespace_name = "team";
        input.scan_state = moat::policy::ScanState::done;
        input.findings = &*findings;
        input.today = "2026-11-23";
        auto verdict = moat::policy::evaluate_gate(policy, input);
        require(verdict.blocked == !verdict.blocking_ids.empty());
    }
    (void)moat::inventory_from_sbom_json(text);
    return 0;
}
