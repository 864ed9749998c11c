#include "registry/api/fix_api.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "fix/child_process.h"
#include "registry/auth/registry_access_control.h"
#include "registry/distribution/oci_names.h"
#include "util/temp_dir.h"

namespace moat::registry {
namespace {

using nlohmann::json;

constexpr size_t kMaxFixBody = 64 * 1024;

HttpResponse json_error(int status, const std::string& message) {
    return HttpResponse::json(status, json{{"error", message}}.dump());
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

// The last non-empty line moat fix printed on stderr: its error message.
std::string last_line(const std::string& text) {
    size_t end = text.find_last_not_of("\r\n");
    if (end == std::string::npos) return "moat fix failed without a message";
    size_t start = text.rfind('\n', end);
    return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

}  // namespace

std::optional<HttpResponse> FixApi::handle(HttpRequest& request) {
    constexpr std::string_view kPrefix = "/api/v1/repositories/";
    constexpr std::string_view kSuffix = "/fix";
    std::string_view path = request.path;
    if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix)) return std::nullopt;
    std::string_view tail = path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
    size_t manifests = tail.rfind("/manifests/");
    if (manifests == std::string_view::npos) return std::nullopt;
    return fix(request, std::string(tail.substr(0, manifests)), std::string(tail.substr(manifests + 11)));
}

HttpResponse FixApi::fix(HttpRequest& request, const std::string& repository, const std::string& tag) {
    if (request.method != "POST") return json_error(405, "use POST");
    AccessDecision decision = access_.authorize(request, repository, RepositoryAction::push);
    if (decision.outcome == AccessOutcome::unauthenticated)
        return access_.challenge(request, fmt::format("repository:{}:pull,push", repository));
    if (decision.outcome != AccessOutcome::allowed)
        return json_error(403, decision.message.empty() ? "access denied" : decision.message);
    if (!is_tag(tag))
        return json_error(400, fmt::format("{}: fix names the image by tag (the fixed image becomes <tag>_fix)", tag));
    auto body = read_body(*request.body, kMaxFixBody);
    if (!body) return json_error(413, body.error().message);
    bool overwrite = false;
    if (!body->empty()) {
        json document = json::parse(*body, nullptr, false);
        if (!document.is_object() || (document.contains("overwrite") && !document["overwrite"].is_boolean()))
            return json_error(400, "the body must be a JSON object such as {\"overwrite\": false}");
        overwrite = document.value("overwrite", false);
    }
    auto original = metadata_.resolve_tag(repository, tag);
    if (!original) return json_error(500, original.error().message);
    if (!*original) return json_error(404, fmt::format("{}: no tag {}", repository, tag));
    // Refused before any work: the push at the end would be.
    const std::string fixed_tag = overwrite ? tag : tag + "_fix";
    std::string reason;
    auto existing = metadata_.resolve_tag(repository, fixed_tag);
    if (existing && *existing && access_.tag_is_immutable(repository, fixed_tag, &reason))
        return HttpResponse::json(403, json{{"errors", json::array({{{"code", "DENIED"},
                                                                      {"message", reason.empty() ? "tag " + fixed_tag + " is immutable" : reason}}})}}
                                           .dump());
    std::string address;
    bool tls = false;
    {
        std::lock_guard lock(mutex_);
        address = self_address_;
        tls = self_tls_;
        if (address.empty()) return json_error(503, "the registry is not listening yet");
        if (tls) return json_error(501, "the fix API needs a plain-HTTP listener for now (moat serve without --tls-cert)");
        if (!running_.insert(repository).second)
            return json_error(409, fmt::format("a fix of {} is already running", repository));
    }
    struct Release {
        FixApi* api;
        std::string repository;
        ~Release() {
            std::lock_guard lock(api->mutex_);
            api->running_.erase(repository);
        }
    } release{this, repository};

    // The child pushes as the caller: Basic credentials are handed on (never on the command line).
    std::vector<std::string> env;
    for (const char* name : {"PATH", "HOME", "TMPDIR", "XDG_CACHE_HOME"})
        if (const char* value = std::getenv(name)) env.push_back(fmt::format("{}={}", name, value));
    if (auto basic = parse_basic_authorization(request.header("Authorization"))) {
        env.push_back("MOAT_REGISTRY_USERNAME=" + basic->user);
        env.push_back("MOAT_REGISTRY_PASSWORD=" + basic->password);
    } else if (!request.header("Authorization").empty()) {
        return json_error(400, "the fix API pushes the fixed image as you: authenticate with Basic credentials");
    }
    std::vector<std::string> argv = {options_.moat_binary.string(), "fix", fmt::format("{}/{}:{}", address, repository, tag),
                                     "--insecure", "--format", "json", "--quiet", "--skip-db-update",
                                     "--db", options_.vulndb_path.string()};
    if (overwrite) argv.push_back("--overwrite");
    for (const auto& line : options_.repos) argv.insert(argv.end(), {"--repo", line});
    if (!options_.keyring.empty()) argv.insert(argv.end(), {"--keyring", options_.keyring});
    for (const auto& deb : options_.debs) argv.insert(argv.end(), {"--deb", deb});

    auto temp = private_temp_dir();
    if (!temp) return json_error(500, temp.error().message);
    std::filesystem::path report_file = *temp / fmt::format("fix-report-{}-{}.json", ::getpid(),
                                                            std::hash<std::thread::id>{}(std::this_thread::get_id()));
    std::string messages;
    auto status = fix::run_program(argv, env, messages, [] { return true; }, report_file);
    std::string printed = read_file(report_file);
    std::error_code ignored;
    std::filesystem::remove(report_file, ignored);
    if (!status) return json_error(500, status.error().message);
    json outcome = json::parse(printed, nullptr, false);
    if (*status != 0 || !outcome.is_object() || !outcome.contains("manifest_digest")) {
        json answer = {{"error", last_line(messages)}};
        if (outcome.is_object()) {
            answer["upgraded"] = outcome.value("upgraded", json::array());
            answer["not_fixed"] = outcome.value("not_fixed", json::array());
        }
        // Nothing to upgrade is the caller's answer, not a server failure.
        int code = outcome.is_object() && outcome.value("upgraded", json::array()).empty() ? 422 : 500;
        if (messages.find("DENIED") != std::string::npos || messages.find("immutable") != std::string::npos) code = 403;
        return HttpResponse::json(code, answer.dump(-1, ' ', false, json::error_handler_t::replace));
    }
    const std::string fixed_digest = outcome["manifest_digest"].get<std::string>();
    for (const auto& digest : {**original, fixed_digest}) {
        if (scans_.state(digest) == policy::ScanState::none) (void)scans_.enqueue(repository, digest);
        wait_for_scan(digest);
    }
    json answer = {{"tag", fixed_tag},
                   {"digest", fixed_digest},
                   {"install_mode", outcome.value("install_mode", "")},
                   {"upgraded", outcome.value("upgraded", json::array())},
                   {"not_fixed", outcome.value("not_fixed", json::array())},
                   {"original", json::parse(reports_.report_document(repository, **original), nullptr, false)},
                   {"fixed", json::parse(reports_.report_document(repository, fixed_digest), nullptr, false)}};
    return HttpResponse::json(200, answer.dump(-1, ' ', false, json::error_handler_t::replace));
}

void FixApi::wait_for_scan(const std::string& digest) {
    auto deadline = std::chrono::steady_clock::now() + options_.scan_wait;
    while (std::chrono::steady_clock::now() < deadline) {
        auto state = scans_.state(digest);
        if (state == policy::ScanState::done || state == policy::ScanState::failed) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

}  // namespace moat::registry
