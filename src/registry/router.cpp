#include "registry/router.h"

namespace moat::registry {

namespace {

bool matches(std::string_view path, std::string_view prefix) {
    if (!path.starts_with(prefix)) return false;
    return path.size() == prefix.size() || prefix.ends_with('/') || path[prefix.size()] == '/';
}

}  // namespace

void Router::add(std::string prefix, HttpHandler handler) {
    for (auto& route : routes_) {
        if (route.first == prefix) {
            route.second = std::move(handler);
            return;
        }
    }
    routes_.emplace_back(std::move(prefix), std::move(handler));
}

HttpResponse Router::dispatch(HttpRequest& request) const {
    const std::pair<std::string, HttpHandler>* best = nullptr;
    for (const auto& route : routes_)
        if (matches(request.path, route.first) && (!best || route.first.size() > best->first.size())) best = &route;
    if (!best) {
        HttpResponse response = HttpResponse::json(404, R"({"error":"not found"})");
        return response;
    }
    return best->second(request);
}

}  // namespace moat::registry
