#include "registry/api/security_api.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/digest.h"
#include "image/image_reference.h"
#include "registry/admission/admission_review.h"
#include "registry/scan/policy_gate.h"

namespace moat::registry {

namespace {

using nlohmann::json;

constexpr size_t kMaxApiBody = 1 << 20;

HttpResponse json_error(int status, const std::string& message) {
    return HttpResponse::json(status, json{{"error", message}}.dump());
}

HttpResponse access_error(AccessControl& access, const HttpRequest& request, const AccessDecision& decision,
                          const std::string& scope) {
    if (decision.outcome == AccessOutcome::unauthenticated) return access.challenge(request, scope);
    return json_error(403, decision.message.empty() ? "access denied" : decision.message);
}

std::string_view highest_severity(const json& summary) {
    for (const char* level : {"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"})
        if (summary.is_object() && summary.value(level, 0) > 0) return level;
    return "NONE";
}

}  // namespace

std::optional<HttpResponse> SecurityApi::require_admin(const HttpRequest& request) {
    AccessDecision decision = access_.authorize_registry(request);
    if (decision.outcome != AccessOutcome::allowed) return access_error(access_, request, decision, "");
    if (!decision.principal.admin) return json_error(403, "only an administrator may do this");
    return std::nullopt;
}

std::optional<std::string> SecurityApi::resolve(const std::string& repository, const std::string& reference) {
    if (is_sha256_digest(reference)) {
        auto record = metadata_.get_manifest(repository, reference);
        if (record && *record) return reference;
        return std::nullopt;
    }
    auto digest = metadata_.resolve_tag(repository, reference);
    if (!digest || !*digest) return std::nullopt;
    return **digest;
}

std::optional<HttpResponse> SecurityApi::handle(HttpRequest& request) {
    std::string_view path = request.path;
    constexpr std::string_view kPrefix = "/api/v1/";
    if (!path.starts_with(kPrefix)) return std::nullopt;
    std::string_view rest = path.substr(kPrefix.size());
    if (rest == "scan-config") return scan_config(request);
    if (rest == "images") return images(request);
    if (rest == "rematch") return rematch(request);
    if (rest.starts_with("namespaces/") && rest.ends_with("/policy")) {
        std::string_view name = rest.substr(11, rest.size() - 11 - 7);
        if (name.empty() || name.find('/') != std::string_view::npos) return json_error(404, "no such namespace");
        return namespace_policy(request, std::string(name));
    }
    if (rest.starts_with("repositories/")) {
        std::string_view tail = rest.substr(13);
        size_t manifests = tail.rfind("/manifests/");
        if (manifests == std::string_view::npos) return std::nullopt;
        std::string repository(tail.substr(0, manifests));
        std::string_view after = tail.substr(manifests + 11);
        size_t slash = after.find('/');
        if (slash == std::string_view::npos) return std::nullopt;
        std::string reference(after.substr(0, slash));
        std::string action(after.substr(slash + 1));
        if (action == "report" || action == "scan") return manifest_action(request, repository, reference, action);
    }
    return std::nullopt;
}

HttpResponse SecurityApi::namespace_policy(HttpRequest& request, const std::string& namespace_name) {
    if (request.method == "GET") {
        AccessDecision decision = access_.authorize_registry(request);
        if (decision.outcome != AccessOutcome::allowed) return access_error(access_, request, decision, "");
        auto policy = store_.policy(namespace_name);
        if (!policy) return json_error(500, policy.error().message);
        return HttpResponse::json(200, policy::policy_to_json(*policy));
    }
    if (request.method != "PUT") return json_error(405, "use GET or PUT");
    if (auto refused = require_admin(request)) return *refused;
    auto body = read_body(*request.body, kMaxApiBody);
    if (!body) return json_error(413, body.error().message);
    auto policy = policy::parse_policy_json(*body);
    if (!policy) return json_error(400, policy.error().message);
    if (Status saved = store_.set_policy(namespace_name, *policy); !saved.ok()) return json_error(500, saved.message());
    return HttpResponse::json(200, policy::policy_to_json(*policy));
}

HttpResponse SecurityApi::manifest_action(HttpRequest& request, const std::string& repository,
                                          const std::string& reference, const std::string& action) {
    bool scan = action == "scan";
    if (scan ? request.method != "POST" : (request.method != "GET" && request.method != "HEAD"))
        return json_error(405, scan ? "use POST" : "use GET");
    AccessDecision decision =
        access_.authorize(request, repository, scan ? RepositoryAction::push : RepositoryAction::pull);
    if (decision.outcome != AccessOutcome::allowed)
        return access_error(access_, request, decision,
                            fmt::format("repository:{}:{}", repository, scan ? "pull,push" : "pull"));
    auto digest = resolve(repository, reference);
    if (!digest) return json_error(404, fmt::format("{}: no manifest {}", repository, reference));
    if (scan) {
        Status queued = scans_.enqueue(repository, *digest);
        if (!queued.ok()) return json_error(429, queued.message());
        return HttpResponse::json(202, json{{"status", "queued"}, {"digest", *digest}}.dump());
    }
    return HttpResponse::json(200, report_document(repository, *digest));
}

std::string SecurityApi::report_document(const std::string& repository, const std::string& digest) {
    policy::ScanState state = scans_.state(digest);
    policy::Verdict verdict = scans_.verdict(repository, digest, report_path(repository, digest));
    json answer = {{"digest", digest},
                   {"status", std::string(policy::scan_state_name(state))},
                   {"verdict", {{"blocked", verdict.blocked}, {"reason", verdict.reason}}},
                   {"report", nullptr}};
    if (auto record = store_.get(digest); record && *record) {
        if (!(*record)->error.empty()) answer["error"] = (*record)->error;
        if (!(*record)->report_json.empty()) answer["report"] = json::parse((*record)->report_json, nullptr, false);
    }
    return answer.dump(-1, ' ', false, json::error_handler_t::replace);
}

HttpResponse SecurityApi::scan_config(HttpRequest& request) {
    if (auto refused = require_admin(request)) return *refused;
    auto current = store_.scan_config();
    if (!current) return json_error(500, current.error().message);
    if (request.method == "GET") return HttpResponse::json(200, scan_config_to_json(*current));
    if (request.method != "PUT") return json_error(405, "use GET or PUT");
    auto body = read_body(*request.body, kMaxApiBody);
    if (!body) return json_error(413, body.error().message);
    auto config = parse_scan_config_json(*body, *current);
    if (!config) return json_error(400, config.error().message);
    if (Status saved = store_.set_scan_config(*config); !saved.ok()) return json_error(500, saved.message());
    return HttpResponse::json(200, scan_config_to_json(*config));
}

HttpResponse SecurityApi::rematch(HttpRequest& request) {
    if (request.method != "POST") return json_error(405, "use POST");
    if (auto refused = require_admin(request)) return *refused;
    auto rematched = scans_.rematch_all();
    if (!rematched) return json_error(500, rematched.error().message);
    return HttpResponse::json(200, json{{"rematched", *rematched}}.dump());
}

HttpResponse SecurityApi::images(HttpRequest& request) {
    if (request.method != "GET") return json_error(405, "use GET");
    json list = json::array();
    PageRequest page;
    page.limit = 1000;
    auto repositories = metadata_.list_repositories(page);
    if (!repositories) return json_error(500, repositories.error().message);
    for (const auto& repository : *repositories) {
        if (access_.authorize(request, repository, RepositoryAction::pull).outcome != AccessOutcome::allowed) continue;
        auto tags = metadata_.list_tags(repository, page);
        if (!tags) continue;
        for (const auto& tag : *tags) {
            auto digest = resolve(repository, tag);
            if (!digest) continue;
            json item = {{"repository", repository}, {"tag", tag}, {"digest", *digest},
                         {"status", std::string(policy::scan_state_name(scans_.state(*digest)))}};
            if (auto record = store_.get(*digest); record && *record && !(*record)->report_json.empty()) {
                json report = json::parse((*record)->report_json, nullptr, false);
                if (report.is_object() && report.contains("summary")) {
                    item["summary"] = report["summary"];
                    item["highest_severity"] = std::string(highest_severity(report["summary"]));
                }
            }
            item["blocked"] = scans_.verdict(repository, *digest, "").blocked;
            list.push_back(std::move(item));
        }
    }
    return HttpResponse::json(200, json{{"images", list}}.dump());
}

HttpResponse SecurityApi::admission(HttpRequest& request) {
    if (request.method != "POST") return json_error(405, "use POST");
    auto body = read_body(*request.body, 4 * kMaxApiBody);
    if (!body) return json_error(413, body.error().message);
    auto review = parse_admission_review(*body);
    if (!review) return json_error(400, review.error().message);
    std::string answer = review_images(*review, [&](const std::string& image) {
        auto reference = parse_image_reference(image);
        if (!reference) return ImageDecision{false, reference.error().message};
        bool ours = false;
        for (const auto& host : options_.registry_hosts) ours = ours || reference->registry == host;
        if (!ours) {
            if (options_.admit_other_registries) return ImageDecision{};
            return ImageDecision{false, fmt::format("images from {} are not allowed (only this registry's)",
                                                    reference->registry)};
        }
        auto digest = resolve(reference->repository, reference->reference());
        if (!digest) return ImageDecision{false, fmt::format("{} is not in the registry", image)};
        policy::Verdict verdict =
            scans_.verdict(reference->repository, *digest, report_path(reference->repository, *digest));
        if (verdict.blocked) return ImageDecision{false, verdict.reason};
        return ImageDecision{};
    });
    return HttpResponse::json(200, answer);
}

}  // namespace moat::registry
