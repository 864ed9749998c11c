#include "registry/api/admin_api.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "registry/auth/account_names.h"

namespace moat::registry {

namespace {

constexpr size_t kMaxBodyBytes = 64 * 1024;
constexpr size_t kMaxPatterns = 100;

using nlohmann::json;

HttpResponse error(int status, std::string_view message) {
    return HttpResponse::json(status, json{{"error", message}}.dump());
}

HttpResponse internal(const Error& failure) { return error(500, failure.message); }

std::vector<std::string_view> split_segments(std::string_view path) {
    std::vector<std::string_view> segments;
    while (!path.empty()) {
        size_t slash = path.find('/');
        std::string_view segment = path.substr(0, slash);
        if (!segment.empty()) segments.push_back(segment);
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return segments;
}

// Names in messages: printable and short.
std::string shown(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
}

// A repository name as the distribution API accepts it: lowercase components separated by '/'.
bool valid_repository_name(std::string_view name) {
    if (name.empty() || name.size() > 255) return false;
    for (auto component : split_segments(name))
        if (invalid_account_name(component, "repository")) return false;
    return name.front() != '/' && name.back() != '/' && name.find("//") == std::string_view::npos;
}

struct Caller {
    Principal principal;
    std::optional<HttpResponse> refusal;  // set when the request must stop here
};

}  // namespace

HttpResponse AdminApi::handle(HttpRequest& request) {
    if (auto answer = try_handle(request)) return std::move(*answer);
    return error(404, fmt::format("no API endpoint {} {}", shown(request.method), shown(request.path)));
}

std::optional<HttpResponse> AdminApi::try_handle(HttpRequest& request) {
    constexpr std::string_view kPrefix = "/api/v1/";
    std::string_view path = request.path;
    if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
    auto segments = split_segments(path.substr(kPrefix.size()));
    if (segments.empty()) return std::nullopt;
    const std::string& method = request.method;

    // Who is calling; `need_login` refuses anonymous callers with 401.
    auto identify = [&](bool need_login) {
        Caller caller;
        Authentication who = access_.authenticate(request);
        if (who.state == Authentication::State::failed) {
            caller.refusal = error(401, who.message);
        } else if (need_login && who.principal.anonymous()) {
            caller.refusal = error(401, "this endpoint needs credentials (HTTP Basic or a bearer token)");
        }
        if (caller.refusal) caller.refusal->set_header("WWW-Authenticate", "Basic realm=\"moat\"");
        caller.principal = who.principal;
        return caller;
    };
    auto server_admin_only = [&](Caller& caller) -> std::optional<HttpResponse> {
        if (caller.refusal) return std::move(caller.refusal);
        if (!caller.principal.admin) return error(403, fmt::format("user {} is not a server administrator", caller.principal.user));
        return std::nullopt;
    };
    // Server admins and the namespace's own admins.
    auto namespace_admin_only = [&](Caller& caller, std::string_view ns) -> std::optional<HttpResponse> {
        if (caller.refusal) return std::move(caller.refusal);
        if (caller.principal.admin) return std::nullopt;
        auto role = accounts_.role_of(ns, caller.principal.user);
        if (!role) return internal(role.error());
        if (*role != NamespaceRole::admin)
            return error(403, fmt::format("user {} is not an administrator of namespace {}", caller.principal.user, ns));
        return std::nullopt;
    };
    auto read_json = [&](json* out) -> std::optional<HttpResponse> {
        if (!request.body) return error(400, "the request has no JSON body");
        auto body = read_body(*request.body, kMaxBodyBytes);
        if (!body) return error(413, body.error().message);
        *out = json::parse(*body, nullptr, false);
        if (out->is_discarded() || !out->is_object()) return error(400, "the request body is not a JSON object");
        return std::nullopt;
    };
    auto require_namespace = [&](std::string_view ns) -> std::optional<HttpResponse> {
        if (auto invalid = invalid_account_name(ns, "namespace")) return error(400, *invalid);
        auto found = accounts_.find_namespace(ns);
        if (!found) return internal(found.error());
        if (!*found) return error(404, fmt::format("namespace {} does not exist", ns));
        return std::nullopt;
    };
    auto method_not_allowed = [&](std::string_view allowed) {
        HttpResponse response = error(405, fmt::format("{} does not answer {}; it answers {}", shown(path), shown(method), allowed));
        response.set_header("Allow", std::string(allowed));
        return response;
    };

    // Immutability rules of a repository or a namespace: GET and PUT {"patterns": [...]}.
    auto immutable_rules = [&](RuleScope scope, std::string_view name, std::string_view ns) -> HttpResponse {
        if (method == "GET") {
            Caller caller = identify(false);
            if (caller.refusal) return std::move(*caller.refusal);
            auto permitted = access_.permitted_actions(caller.principal, scope == RuleScope::repository ? name : ns);
            if (permitted.empty())
                return caller.principal.anonymous() ? error(401, "this endpoint needs credentials")
                                                    : error(403, fmt::format("user {} may not read namespace {}",
                                                                             caller.principal.user, ns));
            auto patterns = accounts_.immutable_patterns(scope, name);
            if (!patterns) return internal(patterns.error());
            return HttpResponse::json(200, json{{"patterns", *patterns}}.dump());
        }
        if (method != "PUT") return method_not_allowed("GET, PUT");
        Caller caller = identify(true);
        if (auto refused = namespace_admin_only(caller, ns)) return std::move(*refused);
        json body;
        if (auto bad = read_json(&body)) return std::move(*bad);
        auto patterns = body.find("patterns");
        if (patterns == body.end() || !patterns->is_array())
            return error(400, "\"patterns\" must be an array of tag patterns, e.g. [\"v*\", \"release-*\"]");
        if (patterns->size() > kMaxPatterns) return error(400, fmt::format("at most {} patterns", kMaxPatterns));
        std::vector<std::string> list;
        for (const auto& pattern : *patterns) {
            if (!pattern.is_string()) return error(400, "\"patterns\" must hold strings");
            if (auto invalid = invalid_tag_pattern(pattern.get<std::string>())) return error(400, *invalid);
            list.push_back(pattern.get<std::string>());
        }
        if (auto missing = require_namespace(ns)) return std::move(*missing);
        if (Status saved = accounts_.set_immutable_patterns(scope, name, list); !saved) return internal(saved.error());
        return HttpResponse::json(200, json{{"patterns", list}}.dump());
    };

    // /api/v1/repositories/{name...}/immutable: the name is everything between, slashes and all.
    if (segments.front() == "repositories") {
        if (segments.size() < 3 || segments.back() != "immutable") return std::nullopt;
        std::string_view first = segments[1], last = segments[segments.size() - 2];
        std::string_view name(first.data(), static_cast<size_t>(last.data() + last.size() - first.data()));
        if (!valid_repository_name(name))
            return error(400, fmt::format("repository name \"{}\" is not valid: lowercase components separated by '/'", shown(name)));
        return immutable_rules(RuleScope::repository, name, namespace_of(name));
    }

    if (segments.front() == "users") {
        if (segments.size() != 1) return std::nullopt;
        Caller caller = identify(true);
        if (auto refused = server_admin_only(caller)) return std::move(*refused);
        if (method == "GET") {
            auto users = accounts_.list_users();
            if (!users) return internal(users.error());
            json list = json::array();
            for (const auto& user : *users) list.push_back({{"name", user.name}, {"admin", user.admin}});
            return HttpResponse::json(200, json{{"users", list}}.dump());
        }
        if (method != "POST") return method_not_allowed("GET, POST");
        json body;
        if (auto bad = read_json(&body)) return std::move(*bad);
        auto name = body.find("name");
        auto password = body.find("password");
        if (name == body.end() || !name->is_string()) return error(400, "\"name\" must be a string");
        if (password == body.end() || !password->is_string()) return error(400, "\"password\" must be a string");
        auto admin = body.find("admin");
        if (admin != body.end() && !admin->is_boolean()) return error(400, "\"admin\" must be true or false");
        std::string user = name->get<std::string>();
        if (auto invalid = invalid_account_name(user, "user")) return error(400, *invalid);
        std::string secret = password->get<std::string>();
        if (secret.size() < 8) return error(400, fmt::format("the password of user {} is shorter than 8 characters", user));
        if (secret.size() > 4096) return error(400, fmt::format("the password of user {} is longer than 4096 bytes", user));
        bool is_admin = admin != body.end() && admin->get<bool>();
        auto created = accounts_.create_user(user, secret, is_admin);
        if (!created) return internal(created.error());
        if (!*created) return error(409, fmt::format("user {} already exists", user));
        return HttpResponse::json(201, json{{"name", user}, {"admin", is_admin}}.dump());
    }

    if (segments.front() != "namespaces") return std::nullopt;

    if (segments.size() == 1) {
        if (method == "GET") {
            Caller caller = identify(false);
            if (caller.refusal) return std::move(*caller.refusal);
            auto namespaces = accounts_.list_namespaces();
            if (!namespaces) return internal(namespaces.error());
            // Each caller sees the namespaces they may pull from.
            json list = json::array();
            for (const auto& ns : *namespaces) {
                if (!caller.principal.admin && !ns.is_public) {
                    if (caller.principal.anonymous()) continue;
                    auto role = accounts_.role_of(ns.name, caller.principal.user);
                    if (!role || !*role) continue;
                }
                list.push_back({{"name", ns.name}, {"public", ns.is_public}});
            }
            return HttpResponse::json(200, json{{"namespaces", list}}.dump());
        }
        if (method != "POST") return method_not_allowed("GET, POST");
        Caller caller = identify(true);
        if (auto refused = server_admin_only(caller)) return std::move(*refused);
        json body;
        if (auto bad = read_json(&body)) return std::move(*bad);
        auto name = body.find("name");
        if (name == body.end() || !name->is_string()) return error(400, "\"name\" must be a string");
        auto is_public = body.find("public");
        if (is_public != body.end() && !is_public->is_boolean()) return error(400, "\"public\" must be true or false");
        std::string ns = name->get<std::string>();
        if (auto invalid = invalid_account_name(ns, "namespace")) return error(400, *invalid);
        bool public_flag = is_public != body.end() && is_public->get<bool>();
        auto created = accounts_.create_namespace(ns, public_flag);
        if (!created) return internal(created.error());
        if (!*created) return error(409, fmt::format("namespace {} already exists", ns));
        return HttpResponse::json(201, json{{"name", ns}, {"public", public_flag}}.dump());
    }

    std::string_view ns = segments[1];
    if (segments.size() == 3 && segments[2] == "immutable") {
        if (auto invalid = invalid_account_name(ns, "namespace")) return error(400, *invalid);
        return immutable_rules(RuleScope::namespace_, ns, ns);
    }

    if (segments.size() == 3 && segments[2] == "members") {
        if (method != "GET") return method_not_allowed("GET");
        Caller caller = identify(true);
        if (auto refused = namespace_admin_only(caller, ns)) return std::move(*refused);
        if (auto missing = require_namespace(ns)) return std::move(*missing);
        auto members = accounts_.list_members(ns);
        if (!members) return internal(members.error());
        json list = json::array();
        for (const auto& member : *members) list.push_back({{"user", member.user}, {"role", role_name(member.role)}});
        return HttpResponse::json(200, json{{"namespace", ns}, {"members", list}}.dump());
    }

    if (segments.size() == 4 && segments[2] == "members") {
        std::string_view user = segments[3];
        if (method != "PUT" && method != "DELETE") return method_not_allowed("PUT, DELETE");
        Caller caller = identify(true);
        if (auto refused = namespace_admin_only(caller, ns)) return std::move(*refused);
        if (auto missing = require_namespace(ns)) return std::move(*missing);
        if (auto invalid = invalid_account_name(user, "user")) return error(400, *invalid);
        if (method == "DELETE") {
            auto removed = accounts_.remove_member(ns, user);
            if (!removed) return internal(removed.error());
            if (!*removed) return error(404, fmt::format("user {} is not a member of namespace {}", user, ns));
            return HttpResponse{204, {}, {}, {}};
        }
        json body;
        if (auto bad = read_json(&body)) return std::move(*bad);
        auto role_field = body.find("role");
        std::optional<NamespaceRole> role;
        if (role_field != body.end() && role_field->is_string()) role = parse_role(role_field->get<std::string>());
        if (!role) return error(400, "\"role\" must be \"pull\", \"push\" or \"admin\"");
        auto changed = accounts_.set_member(ns, user, *role);
        if (!changed) return internal(changed.error());
        if (*changed == MemberChange::no_user) return error(404, fmt::format("user {} does not exist", user));
        if (*changed == MemberChange::no_namespace) return error(404, fmt::format("namespace {} does not exist", ns));
        return HttpResponse::json(200, json{{"namespace", ns}, {"user", user}, {"role", role_name(*role)}}.dump());
    }

    if (segments.size() == 2) {
        if (method != "GET") return method_not_allowed("GET");
        Caller caller = identify(false);
        if (caller.refusal) return std::move(*caller.refusal);
        if (auto missing = require_namespace(ns)) return std::move(*missing);
        auto found = accounts_.find_namespace(ns);
        if (!found || !*found) return internal(Error{"namespace vanished"});
        if (access_.permitted_actions(caller.principal, std::string(ns) + "/x").empty())
            return caller.principal.anonymous() ? error(401, "this endpoint needs credentials")
                                                : error(404, fmt::format("namespace {} does not exist", ns));
        return HttpResponse::json(200, json{{"name", (*found)->name}, {"public", (*found)->is_public}}.dump());
    }
    return std::nullopt;
}

}  // namespace moat::registry
