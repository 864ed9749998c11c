// Who may do what to which repository: the seam between the distribution API and the account,
// namespace, token and immutability logic (registry/auth). The distribution API asks; auth
// answers. A repository's namespace is its first path component.
#pragma once

#include <string>
#include <string_view>

#include "registry/http/http_message.h"
#include "util/result.h"

namespace moat::registry {

enum class RepositoryAction { pull, push, remove };

struct Principal {
    std::string user;        // empty for anonymous
    bool admin = false;      // server-wide administrator
    bool anonymous() const { return user.empty(); }
};

enum class AccessOutcome {
    allowed,
    unauthenticated,  // 401 with a WWW-Authenticate challenge: credentials missing or wrong
    denied,           // 403 DENIED: authenticated but without the role
};

struct AccessDecision {
    AccessOutcome outcome = AccessOutcome::allowed;
    Principal principal;
    std::string message;     // for the OCI error body
};

class AccessControl {
public:
    virtual ~AccessControl() = default;
    // Authenticates the request (Basic or Bearer) and checks `action` on `repository`. An admin's
    // push to a namespace that does not exist yet creates it (private).
    virtual AccessDecision authorize(const HttpRequest& request, std::string_view repository,
                                     RepositoryAction action) = 0;
    // Requests that name no repository: GET /v2/ (any valid login, or anonymous when allowed)
    // and GET /v2/_catalog (the repositories the caller may pull; filtering is the caller's).
    virtual AccessDecision authorize_registry(const HttpRequest& request) = 0;
    // The 401 answer for `decision` (WWW-Authenticate: Basic or Bearer realm/service/scope).
    virtual HttpResponse challenge(const HttpRequest& request, std::string_view scope) = 0;
    // Whether pushing `tag` over an existing manifest of `repository` is forbidden by an
    // immutability rule; the reason names the rule when it is.
    virtual bool tag_is_immutable(std::string_view repository, std::string_view tag,
                                  std::string* reason) = 0;
};

// Everything allowed, nothing immutable: for tests of the distribution API alone and for
// `moat serve --no-auth` on loopback. Everyone is an administrator there.
class OpenAccess final : public AccessControl {
public:
    AccessDecision authorize(const HttpRequest&, std::string_view, RepositoryAction) override { return everyone(); }
    AccessDecision authorize_registry(const HttpRequest&) override { return everyone(); }
    HttpResponse challenge(const HttpRequest&, std::string_view) override { return HttpResponse{401, {}, {}, {}}; }
    bool tag_is_immutable(std::string_view, std::string_view, std::string*) override { return false; }

private:
    static AccessDecision everyone() {
        AccessDecision decision;
        decision.principal.admin = true;
        return decision;
    }
};

}  // namespace moat::registry
