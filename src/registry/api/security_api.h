// The registry-security part of the JSON API (CLI.md's contract): namespace policies, scan
// reports and triggers, the scan configuration, the image list with risk levels, and the
// Kubernetes admission webhook. Accounts, namespaces and immutability are the auth API's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "registry/auth/access_control.h"
#include "registry/http/http_message.h"
#include "registry/metadata/metadata_store.h"
#include "registry/scan/scan_service.h"
#include "registry/scan/scan_store.h"

namespace moat::registry {

struct SecurityApiOptions {
    // Registry host names images of this registry are written with in pod specs ("reg.example:5000");
    // the admission webhook judges those and applies `admit_other_registries` to the rest.
    std::vector<std::string> registry_hosts;
    bool admit_other_registries = true;
};

class SecurityApi {
public:
    SecurityApi(ScanService& scans, ScanStore& store, MetadataStore& metadata, AccessControl& access,
                SecurityApiOptions options)
        : scans_(scans), store_(store), metadata_(metadata), access_(access), options_(std::move(options)) {}

    // nullopt when the path is not one of this API's (the caller tries the next handler).
    std::optional<HttpResponse> handle(HttpRequest& request);
    // POST /admission/validate
    HttpResponse admission(HttpRequest& request);

    void add_registry_host(std::string host) { options_.registry_hosts.push_back(std::move(host)); }
    // What GET …/manifests/{reference}/report answers for a stored manifest: digest, status,
    // verdict and the `moat scan` report (null until scanned).
    std::string report_document(const std::string& repository, const std::string& digest);

private:
    HttpResponse namespace_policy(HttpRequest& request, const std::string& namespace_name);
    HttpResponse manifest_action(HttpRequest& request, const std::string& repository, const std::string& reference,
                                 const std::string& action);
    HttpResponse scan_config(HttpRequest& request);
    HttpResponse images(HttpRequest& request);
    HttpResponse rematch(HttpRequest& request);
    // An error answer when the caller is not a server administrator.
    std::optional<HttpResponse> require_admin(const HttpRequest& request);
    std::optional<std::string> resolve(const std::string& repository, const std::string& reference);

    ScanService& scans_;
    ScanStore& store_;
    MetadataStore& metadata_;
    AccessControl& access_;
    SecurityApiOptions options_;
};

}  // namespace moat::registry
