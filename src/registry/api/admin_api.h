// The JSON API under /api/v1/ for namespaces, users, namespace members and immutability rules
// (docs/openapi.yaml). Server administrators may do everything; a namespace's admins manage its
// members and rules. Errors answer {"error": "..."} naming the input.
#pragma once

#include <optional>

#include "registry/auth/registry_access_control.h"
#include "registry/http/http_message.h"

namespace moat::registry {

class AdminApi {
public:
    explicit AdminApi(RegistryAccessControl& access) : access_(access), accounts_(access.accounts()) {}

    // Answers the paths this module owns; nullopt for any other path, so other /api/v1/ handlers
    // (policy, reports, scans) can be tried next.
    std::optional<HttpResponse> try_handle(HttpRequest& request);
    // try_handle, with 404 for paths nobody owns.
    HttpResponse handle(HttpRequest& request);

private:
    RegistryAccessControl& access_;
    AccountStore& accounts_;
};

}  // namespace moat::registry
