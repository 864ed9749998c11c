// The pull gate of registry security: judges every manifest and blob read against the
// namespace's policy with what the scan service stored, writes each refusal to the audit log,
// and queues a scan for every manifest pushed (when scan on push is on and the repository is in
// the scan scope).
#pragma once

#include <functional>
#include <string>

#include "registry/distribution/distribution_api.h"
#include "registry/metadata/metadata_store.h"
#include "registry/scan/scan_service.h"
#include "registry/scan/scan_store.h"

namespace moat::registry {

struct PolicyGateOptions {
    bool admins_bypass = false;  // `moat serve --policy-bypass-admins`: administrators pull anything
    std::function<int64_t()> clock;
    // Told of every refusal after the audit log (webhooks): user ("" anonymous), repository,
    // reference asked, digest, the message the client saw.
    std::function<void(const std::string&, const std::string&, const std::string&, const std::string&,
                       const std::string&)>
        refused;
};

// Where a manifest's report is read (the message points there).
std::string report_path(const std::string& repository, const std::string& digest);

class PolicyGate final : public PullGate {
public:
    PolicyGate(ScanService& scans, ScanStore& store, MetadataStore& metadata, PolicyGateOptions options)
        : scans_(scans), store_(store), metadata_(metadata), options_(std::move(options)) {}

    std::optional<std::string> refuse_manifest(const Principal& principal, const std::string& repository,
                                               const std::string& reference, const std::string& digest) override;
    std::optional<std::string> refuse_blob(const Principal& principal, const std::string& repository,
                                           const std::string& digest) override;
    void manifest_pushed(const std::string& repository, const std::string& digest, const std::string& tag) override;

private:
    void audit(const Principal& principal, const std::string& repository, const std::string& reference,
               const std::string& digest, const std::string& reason);

    ScanService& scans_;
    ScanStore& store_;
    MetadataStore& metadata_;
    PolicyGateOptions options_;
};

}  // namespace moat::registry
