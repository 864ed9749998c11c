#include "registry/scan/policy_gate.h"

#include <ctime>

#include <fmt/format.h>

namespace moat::registry {

std::string report_path(const std::string& repository, const std::string& digest) {
    return fmt::format("/api/v1/repositories/{}/manifests/{}/report", repository, digest);
}

std::optional<std::string> PolicyGate::refuse_manifest(const Principal& principal, const std::string& repository,
                                                       const std::string& reference, const std::string& digest) {
    if (options_.admins_bypass && principal.admin) return std::nullopt;
    policy::Verdict verdict = scans_.verdict(repository, digest, report_path(repository, digest));
    if (!verdict.blocked) return std::nullopt;
    audit(principal, repository, reference, digest, verdict.reason);
    return verdict.reason;
}

std::optional<std::string> PolicyGate::refuse_blob(const Principal& principal, const std::string& repository,
                                                   const std::string& digest) {
    if (options_.admins_bypass && principal.admin) return std::nullopt;
    auto manifests = metadata_.manifests_referencing(repository, digest);
    if (!manifests || manifests->empty()) return std::nullopt;  // not part of any image here
    std::string reason;
    for (const auto& manifest : *manifests) {
        policy::Verdict verdict = scans_.verdict(repository, manifest, report_path(repository, manifest));
        if (!verdict.blocked) return std::nullopt;  // an image that may be pulled needs this blob
        if (reason.empty()) reason = verdict.reason;
    }
    audit(principal, repository, digest, digest, reason);
    return reason;
}

void PolicyGate::manifest_pushed(const std::string& repository, const std::string& digest, const std::string&) {
    auto config = store_.scan_config();
    if (!config || !config->on_push || !in_scope(*config, repository)) return;
    (void)scans_.enqueue(repository, digest);  // a quota refusal is recorded by the service
}

void PolicyGate::audit(const Principal& principal, const std::string& repository, const std::string& reference,
                       const std::string& digest, const std::string& reason) {
    AuditEntry entry;
    entry.at = options_.clock ? options_.clock() : static_cast<int64_t>(std::time(nullptr));
    entry.user = principal.user;
    entry.repository = repository;
    entry.reference = reference;
    entry.digest = digest;
    entry.reason = reason;
    (void)store_.audit(entry);
    fmt::print(stderr, "moat serve: pull refused: {} {}@{} by {}: {}\n", repository, reference, digest,
               principal.user.empty() ? "anonymous" : principal.user, reason);
    if (options_.refused) options_.refused(principal.user, repository, reference, digest, reason);
}

}  // namespace moat::registry
