// Sends each request to the handler registered for the longest matching path prefix ("/v2",
// "/token", "/api/v1/"): the place where the distribution API, auth and the JSON API meet.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "registry/http/http_message.h"

namespace moat::registry {

class Router {
public:
    // `prefix` matches the path itself and any path below it ("/v2" matches "/v2" and "/v2/x").
    void add(std::string prefix, HttpHandler handler);
    HttpResponse dispatch(HttpRequest& request) const;

private:
    std::vector<std::pair<std::string, HttpHandler>> routes_;
};

}  // namespace moat::registry
