#include "registry/distribution/distribution_api.h"

#include <charconv>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/digest.h"
#include "registry/distribution/manifest_document.h"
#include "registry/distribution/oci_names.h"

namespace moat::registry {

namespace {

constexpr size_t kMaxCachedBytes = 64 * 1024 * 1024;
constexpr size_t kMaxPageSize = 10000;

enum class Endpoint { manifest, blob, upload_start, upload_session, tags, referrers };

HttpResponse internal_error(std::string_view message) {
    return oci_error(500, "UNKNOWN", "internal error", message);
}

HttpResponse empty_response(int status) {
    HttpResponse response;
    response.status = status;
    return response;
}

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> segments;
    size_t start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        segments.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return segments;
}

std::optional<uint64_t> parse_number(std::string_view text) {
    uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// "0-<last byte>" as the spec's upload answers write it ("0-0" for an empty upload).
std::string upload_range(uint64_t size) { return fmt::format("0-{}", size == 0 ? 0 : size - 1); }

std::string join_segments(const std::vector<std::string_view>& segments, size_t from, size_t to) {
    std::string joined;
    for (size_t i = from; i < to; ++i) {
        if (i > from) joined += '/';
        joined += segments[i];
    }
    return joined;
}

// n and last of a listing; an error answer when n is not a number.
std::optional<PageRequest> page_request(const HttpRequest& request) {
    PageRequest page;
    if (auto last = request.query_parameter("last")) page.last = *last;
    if (auto n = request.query_parameter("n")) {
        auto number = parse_number(*n);
        if (!number) return std::nullopt;
        page.limit = std::min<uint64_t>(*number, kMaxPageSize);
    }
    return page;
}

std::string percent_encode(std::string_view text) {
    std::string out;
    for (char c : text) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '.' || c == '_' || c == '~' || c == '/';
        out += plain ? std::string(1, c) : fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
    return out;
}

// The Range of a blob GET: [first, last], or nullopt for the whole blob; `unsatisfiable` when
// the range lies outside the blob.
struct ByteRange {
    uint64_t first = 0, last = 0;
};
std::optional<ByteRange> parse_range(std::string_view header, uint64_t size, bool& unsatisfiable) {
    unsatisfiable = false;
    if (!header.starts_with("bytes=")) return std::nullopt;
    std::string_view spec = header.substr(6);
    if (spec.find(',') != std::string_view::npos) return std::nullopt;  // several ranges: send it all
    size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto first = parse_number(spec.substr(0, dash));
    auto last = parse_number(spec.substr(dash + 1));
    if (!first && !last) return std::nullopt;
    ByteRange range;
    if (!first) {  // suffix: the last N bytes
        if (*last == 0 || size == 0) {
            unsatisfiable = true;
            return std::nullopt;
        }
        range.first = *last >= size ? 0 : size - *last;
        range.last = size - 1;
        return range;
    }
    if (*first >= size || (last && *last < *first)) {
        unsatisfiable = true;
        return std::nullopt;
    }
    range.first = *first;
    range.last = last ? std::min(*last, size - 1) : size - 1;
    return range;
}

}  // namespace

struct DistributionApi::Route {
    Endpoint endpoint;
    std::string name;
    std::string reference;  // tag/digest, blob digest, upload id or subject digest
};

DistributionApi::DistributionApi(BlobStore& blobs, UploadStore& uploads, MetadataStore& metadata,
                                 AccessControl& access)
    : blobs_(blobs), uploads_(uploads), metadata_(metadata), access_(access) {}

HttpResponse DistributionApi::handle(HttpRequest& request) {
    std::string_view path = request.path;
    if (path == "/v2" || path == "/v2/") {
        if (request.method != "GET" && request.method != "HEAD") return oci_error(405, "UNSUPPORTED", "method not allowed");
        AccessDecision decision = access_.authorize_registry(request);
        if (decision.outcome == AccessOutcome::unauthenticated) return access_.challenge(request, "");
        if (decision.outcome == AccessOutcome::denied) return oci_error(403, "DENIED", decision.message);
        return HttpResponse::json(200, "{}");
    }
    if (path == "/v2/_catalog") return catalog(request);

    std::string_view rest = path.substr(std::min<size_t>(4, path.size()));  // after "/v2/"
    bool trailing_slash = !rest.empty() && rest.back() == '/';
    if (trailing_slash) rest.remove_suffix(1);
    auto segments = split_path(rest);
    size_t count = segments.size();
    std::optional<Route> route;
    if (count >= 3 && segments[count - 2] == "tags" && segments[count - 1] == "list") {
        route = Route{Endpoint::tags, join_segments(segments, 0, count - 2), {}};
    } else if (count >= 3 && segments[count - 2] == "blobs" && segments[count - 1] == "uploads") {
        route = Route{Endpoint::upload_start, join_segments(segments, 0, count - 2), {}};
    } else if (count >= 4 && segments[count - 3] == "blobs" && segments[count - 2] == "uploads") {
        route = Route{Endpoint::upload_session, join_segments(segments, 0, count - 3), std::string(segments[count - 1])};
    } else if (count >= 3 && segments[count - 2] == "manifests") {
        route = Route{Endpoint::manifest, join_segments(segments, 0, count - 2), std::string(segments[count - 1])};
    } else if (count >= 3 && segments[count - 2] == "blobs") {
        route = Route{Endpoint::blob, join_segments(segments, 0, count - 2), std::string(segments[count - 1])};
    } else if (count >= 3 && segments[count - 2] == "referrers") {
        route = Route{Endpoint::referrers, join_segments(segments, 0, count - 2), std::string(segments[count - 1])};
    }
    if (!route) return oci_error(404, "NAME_UNKNOWN", "no such endpoint", request.path);
    if (!is_repository_name(route->name)) return oci_error(400, "NAME_INVALID", "invalid repository name", route->name);

    const std::string& method = request.method;
    bool reading = method == "GET" || method == "HEAD";
    RepositoryAction action = reading ? RepositoryAction::pull
                              : method == "DELETE" && route->endpoint != Endpoint::upload_session
                                  ? RepositoryAction::remove
                                  : RepositoryAction::push;
    AccessDecision decision = access_.authorize(request, route->name, action);
    if (decision.outcome == AccessOutcome::unauthenticated) {
        std::string scope = fmt::format("repository:{}:{}", route->name,
                                        action == RepositoryAction::pull     ? "pull"
                                        : action == RepositoryAction::remove ? "delete"
                                                                             : "pull,push");
        return access_.challenge(request, scope);
    }
    if (decision.outcome == AccessOutcome::denied)
        return oci_error(403, "DENIED", decision.message.empty() ? "access denied" : decision.message, route->name);

    if (gate_ && reading && (route->endpoint == Endpoint::manifest || route->endpoint == Endpoint::blob)) {
        std::optional<std::string> refusal;
        if (route->endpoint == Endpoint::blob) {
            if (is_sha256_digest(route->reference))
                refusal = gate_->refuse_blob(decision.principal, route->name, route->reference);
        } else if (auto manifest = find_manifest(route->name, route->reference)) {
            refusal = gate_->refuse_manifest(decision.principal, route->name, route->reference, manifest->digest);
        }
        if (refusal) return oci_error(403, "DENIED", *refusal, route->name);
    }

    switch (route->endpoint) {
        case Endpoint::manifest:
            if (reading) return get_manifest(request, *route);
            if (method == "PUT") return put_manifest(request, *route);
            if (method == "DELETE") return delete_manifest(request, *route);
            break;
        case Endpoint::blob:
            if (reading) return get_blob(request, *route);
            if (method == "DELETE") return delete_blob(request, *route);
            break;
        case Endpoint::upload_start:
            if (method == "POST") return start_upload(request, *route);
            break;
        case Endpoint::upload_session:
            if (method == "PATCH") return patch_upload(request, *route);
            if (method == "PUT") return finish_upload(request, *route);
            if (reading) return upload_status(request, *route);
            if (method == "DELETE") return cancel_upload(request, *route);
            break;
        case Endpoint::tags:
            if (reading) return list_tags(request, *route);
            break;
        case Endpoint::referrers:
            if (reading) return referrers(request, *route);
            break;
    }
    return oci_error(405, "UNSUPPORTED", "method not allowed", method);
}

HttpResponse DistributionApi::catalog(HttpRequest& request) {
    if (request.method != "GET" && request.method != "HEAD") return oci_error(405, "UNSUPPORTED", "method not allowed");
    AccessDecision decision = access_.authorize_registry(request);
    if (decision.outcome == AccessOutcome::unauthenticated) return access_.challenge(request, "registry:catalog:*");
    if (decision.outcome == AccessOutcome::denied) return oci_error(403, "DENIED", decision.message);
    auto page = page_request(request);
    if (!page) return oci_error(400, "UNSUPPORTED", "n must be a number");
    auto names = metadata_.list_repositories(*page);
    if (!names) return internal_error(names.error().message);
    nlohmann::json visible = nlohmann::json::array();
    for (const auto& name : *names)
        if (access_.authorize(request, name, RepositoryAction::pull).outcome == AccessOutcome::allowed)
            visible.push_back(name);
    auto response = HttpResponse::json(200, nlohmann::json{{"repositories", visible}}.dump());
    if (page->limit && !names->empty() && names->size() == *page->limit)
        response.set_header("Link", fmt::format("</v2/_catalog?n={}&last={}>; rel=\"next\"", *page->limit,
                                                percent_encode(names->back())));
    return response;
}

std::shared_ptr<const DistributionApi::CachedManifest> DistributionApi::find_manifest(const std::string& repository,
                                                                                     const std::string& reference) {
    std::string key = repository + '\n' + reference;
    uint64_t generation;
    {
        std::lock_guard lock(cache_mutex_);
        if (auto found = cache_.find(key); found != cache_.end()) return found->second;
        generation = cache_generation_;
    }
    std::string digest = reference;
    if (!is_sha256_digest(reference)) {
        auto tagged = metadata_.resolve_tag(repository, reference);
        if (!tagged || !*tagged) return nullptr;
        digest = **tagged;
    }
    auto record = metadata_.get_manifest(repository, digest);
    if (!record || !*record) return nullptr;
    auto bytes = blobs_.read_bytes(digest, kMaxManifestBytes);
    if (!bytes) return nullptr;
    auto manifest = std::make_shared<CachedManifest>(CachedManifest{digest, (*record)->media_type, std::move(*bytes)});
    std::lock_guard lock(cache_mutex_);
    if (generation == cache_generation_ && cache_bytes_ + manifest->bytes.size() <= kMaxCachedBytes) {
        cache_bytes_ += manifest->bytes.size();
        cache_.emplace(key, manifest);
    }
    return manifest;
}

void DistributionApi::invalidate_manifests() {
    std::lock_guard lock(cache_mutex_);
    ++cache_generation_;
    cache_.clear();
    cache_bytes_ = 0;
}

HttpResponse DistributionApi::get_manifest(HttpRequest&, const Route& route) {
    if (route.reference.find(':') != std::string::npos ? !is_sha256_digest(route.reference) : !is_tag(route.reference))
        return oci_error(404, "MANIFEST_UNKNOWN", "manifest unknown", route.reference);
    auto manifest = find_manifest(route.name, route.reference);
    if (!manifest) return oci_error(404, "MANIFEST_UNKNOWN", "manifest unknown", route.reference);
    HttpResponse response;
    response.headers = {{"Content-Type", manifest->media_type},
                        {"Docker-Content-Digest", manifest->digest},
                        {"ETag", "\"" + manifest->digest + "\""}};
    response.body = manifest->bytes;
    return response;
}

HttpResponse DistributionApi::put_manifest(HttpRequest& request, const Route& route) {
    bool by_digest = route.reference.find(':') != std::string::npos;
    if (by_digest && !is_sha256_digest(route.reference))
        return oci_error(400, "DIGEST_INVALID", "only sha256 digests are supported", route.reference);
    if (!by_digest && !is_tag(route.reference)) return oci_error(400, "MANIFEST_INVALID", "invalid tag", route.reference);
    auto bytes = read_body(*request.body, kMaxManifestBytes);
    if (!bytes) return oci_error(413, "SIZE_INVALID", "manifests are limited to 4 MiB");
    std::string digest = sha256_digest(*bytes);
    if (by_digest && digest != route.reference)
        return oci_error(400, "DIGEST_INVALID", "the manifest's digest differs from the reference",
                         fmt::format("the content has digest {}", digest));
    auto document = parse_manifest(*bytes, request.header("Content-Type"));
    if (!document) return oci_error(400, "MANIFEST_INVALID", "manifest invalid", document.error().message);
    for (const auto& blob : document->blobs) {
        auto linked = metadata_.blob_linked(route.name, blob);
        if (!linked) return internal_error(linked.error().message);
        if (!*linked || !blobs_.contains(blob))
            return oci_error(400, "MANIFEST_BLOB_UNKNOWN", "the manifest references a blob the repository does not have",
                             blob);
    }
    for (const auto& child : document->child_manifests) {
        auto found = metadata_.get_manifest(route.name, child);
        if (!found) return internal_error(found.error().message);
        if (!*found)
            return oci_error(400, "MANIFEST_BLOB_UNKNOWN",
                             "the index references a manifest the repository does not have", child);
    }
    if (!by_digest) {
        auto current = metadata_.resolve_tag(route.name, route.reference);
        if (!current) return internal_error(current.error().message);
        std::string reason;
        if (*current && **current != digest && access_.tag_is_immutable(route.name, route.reference, &reason))
            return oci_error(403, "DENIED",
                             reason.empty() ? fmt::format("tag {} is immutable", route.reference) : reason,
                             route.reference);
    }
    if (auto stored = blobs_.put_bytes(*bytes); !stored) return internal_error(stored.error().message);
    ManifestRecord record;
    record.digest = digest;
    record.media_type = document->media_type;
    record.size = bytes->size();
    record.artifact_type = document->artifact_type;
    record.subject = document->subject;
    record.annotations_json = document->annotations_json;
    record.blobs = document->blobs;
    record.child_manifests = document->child_manifests;
    if (Status put = metadata_.put_manifest(route.name, record, by_digest ? "" : route.reference); !put)
        return internal_error(put.message());
    if (Status linked = metadata_.link_blob(route.name, digest); !linked) return internal_error(linked.message());
    invalidate_manifests();
    if (gate_) gate_->manifest_pushed(route.name, digest, by_digest ? "" : route.reference);
    HttpResponse response = empty_response(201);
    response.set_header("Location", fmt::format("/v2/{}/manifests/{}", route.name, digest));
    response.set_header("Docker-Content-Digest", digest);
    if (!document->subject.empty()) response.set_header("OCI-Subject", document->subject);
    return response;
}

HttpResponse DistributionApi::delete_manifest(HttpRequest&, const Route& route) {
    Result<bool> deleted = false;
    if (is_sha256_digest(route.reference)) {
        deleted = metadata_.delete_manifest(route.name, route.reference);
    } else if (is_tag(route.reference)) {
        deleted = metadata_.delete_tag(route.name, route.reference);
    } else {
        return oci_error(400, "DIGEST_INVALID", "invalid reference", route.reference);
    }
    if (!deleted) return internal_error(deleted.error().message);
    invalidate_manifests();
    if (!*deleted) return oci_error(404, "MANIFEST_UNKNOWN", "manifest unknown", route.reference);
    return empty_response(202);
}

HttpResponse DistributionApi::get_blob(HttpRequest& request, const Route& route) {
    if (!is_sha256_digest(route.reference)) return oci_error(400, "DIGEST_INVALID", "invalid digest", route.reference);
    auto linked = metadata_.blob_linked(route.name, route.reference);
    if (!linked) return internal_error(linked.error().message);
    auto size = *linked ? blobs_.size_of(route.reference) : std::nullopt;
    if (!size) return oci_error(404, "BLOB_UNKNOWN", "blob unknown", route.reference);
    HttpResponse response;
    response.headers = {{"Content-Type", "application/octet-stream"},
                        {"Docker-Content-Digest", route.reference},
                        {"Accept-Ranges", "bytes"},
                        {"ETag", "\"" + route.reference + "\""}};
    FileRange file{blobs_.path_of(route.reference), 0, *size};
    if (std::string_view range_header = request.header("Range"); !range_header.empty()) {
        bool unsatisfiable = false;
        auto range = parse_range(range_header, *size, unsatisfiable);
        if (unsatisfiable) {
            HttpResponse refused = oci_error(416, "BLOB_UNKNOWN", "requested range not satisfiable",
                                             std::string(range_header));
            refused.set_header("Content-Range", fmt::format("bytes */{}", *size));
            return refused;
        }
        if (range) {
            response.status = 206;
            response.set_header("Content-Range", fmt::format("bytes {}-{}/{}", range->first, range->last, *size));
            file.offset = range->first;
            file.length = range->last - range->first + 1;
        }
    }
    if (file.length == 0) return response;  // an empty blob: nothing to send from a file
    response.file = std::move(file);
    return response;
}

HttpResponse DistributionApi::delete_blob(HttpRequest&, const Route& route) {
    if (!is_sha256_digest(route.reference)) return oci_error(400, "DIGEST_INVALID", "invalid digest", route.reference);
    auto unlinked = metadata_.unlink_blob(route.name, route.reference);
    if (!unlinked) return internal_error(unlinked.error().message);
    if (!*unlinked) return oci_error(404, "BLOB_UNKNOWN", "blob unknown", route.reference);
    // The file stays until `moat gc`: another repository may hold the same content.
    return empty_response(202);
}

namespace {

HttpResponse upload_failure(const UploadOutcome& outcome, std::string_view upload_location) {
    switch (outcome.failure) {
        case UploadFailure::unknown:
            return oci_error(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown", outcome.message);
        case UploadFailure::out_of_order: {
            auto response = oci_error(416, "BLOB_UPLOAD_INVALID", "chunk out of order", outcome.message);
            response.set_header("Location", std::string(upload_location));
            response.set_header("Range", upload_range(outcome.size));
            return response;
        }
        case UploadFailure::digest_mismatch:
            return oci_error(400, "DIGEST_INVALID", "the content does not match the digest", outcome.message);
        case UploadFailure::body_error:
            return oci_error(400, "BLOB_UPLOAD_INVALID", "the upload's body was cut short", outcome.message);
        case UploadFailure::storage:
        case UploadFailure::none:
            break;
    }
    return internal_error(outcome.message);
}

// The start offset a PATCH/PUT chunk claims ("Content-Range: <first>-<last>"); an error text when
// the header is malformed or disagrees with Content-Length.
std::optional<uint64_t> chunk_start(const HttpRequest& request, std::string* error) {
    std::string_view header = request.header("Content-Range");
    if (header.empty()) return std::nullopt;
    if (header.starts_with("bytes ")) header.remove_prefix(6);
    if (size_t slash = header.find('/'); slash != std::string_view::npos) header = header.substr(0, slash);
    size_t dash = header.find('-');
    auto first = dash == std::string_view::npos ? std::nullopt : parse_number(header.substr(0, dash));
    auto last = dash == std::string_view::npos ? std::nullopt : parse_number(header.substr(dash + 1));
    if (!first || !last || *last < *first) {
        *error = "malformed Content-Range " + std::string(header);
        return std::nullopt;
    }
    if (auto length = request.body->declared_length(); length && *length != *last - *first + 1) {
        *error = fmt::format("Content-Range {} does not match Content-Length {}", header, *length);
        return std::nullopt;
    }
    return first;
}

}  // namespace

HttpResponse DistributionApi::start_upload(HttpRequest& request, const Route& route) {
    auto mount = request.query_parameter("mount");
    auto from = request.query_parameter("from");
    if (mount && from && is_sha256_digest(*mount) && is_repository_name(*from) &&
        access_.authorize(request, *from, RepositoryAction::pull).outcome == AccessOutcome::allowed) {
        auto linked = metadata_.blob_linked(*from, *mount);
        if (linked && *linked && blobs_.contains(*mount)) {
            if (Status link = metadata_.link_blob(route.name, *mount); !link) return internal_error(link.message());
            HttpResponse response = empty_response(201);
            response.set_header("Location", fmt::format("/v2/{}/blobs/{}", route.name, *mount));
            response.set_header("Docker-Content-Digest", *mount);
            return response;
        }
    }
    auto digest = request.query_parameter("digest");
    if (digest && !is_sha256_digest(*digest)) return oci_error(400, "DIGEST_INVALID", "invalid digest", *digest);
    auto id = uploads_.create(route.name);
    if (!id) return internal_error(id.error().message);
    std::string location = fmt::format("/v2/{}/blobs/uploads/{}", route.name, *id);
    if (digest) {  // monolithic upload: the body is the whole blob
        UploadOutcome appended = uploads_.append(*id, route.name, *request.body, std::nullopt);
        UploadOutcome finished = appended.ok() ? uploads_.finish(*id, route.name, *digest) : appended;
        if (!finished.ok()) {
            uploads_.cancel(*id, route.name);
            return upload_failure(finished, location);
        }
        if (Status link = metadata_.link_blob(route.name, *digest); !link) return internal_error(link.message());
        HttpResponse response = empty_response(201);
        response.set_header("Location", fmt::format("/v2/{}/blobs/{}", route.name, *digest));
        response.set_header("Docker-Content-Digest", *digest);
        return response;
    }
    HttpResponse response = empty_response(202);
    response.set_header("Location", location);
    response.set_header("Range", upload_range(0));
    response.set_header("Docker-Upload-UUID", *id);
    return response;
}

HttpResponse DistributionApi::patch_upload(HttpRequest& request, const Route& route) {
    std::string location = fmt::format("/v2/{}/blobs/uploads/{}", route.name, route.reference);
    std::string range_error;
    auto start = chunk_start(request, &range_error);
    if (!range_error.empty()) {
        auto size = uploads_.size(route.reference, route.name);
        if (!size) return oci_error(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown", route.reference);
        return upload_failure({UploadFailure::out_of_order, range_error, *size}, location);
    }
    UploadOutcome outcome = uploads_.append(route.reference, route.name, *request.body, start);
    if (!outcome.ok()) return upload_failure(outcome, location);
    HttpResponse response = empty_response(202);
    response.set_header("Location", location);
    response.set_header("Range", upload_range(outcome.size));
    response.set_header("Docker-Upload-UUID", route.reference);
    return response;
}

HttpResponse DistributionApi::finish_upload(HttpRequest& request, const Route& route) {
    std::string location = fmt::format("/v2/{}/blobs/uploads/{}", route.name, route.reference);
    auto digest = request.query_parameter("digest");
    if (!digest || !is_sha256_digest(*digest))
        return oci_error(400, "DIGEST_INVALID", "a sha256 digest parameter is required", digest.value_or(""));
    auto declared = request.body->declared_length();
    bool has_body = !declared || *declared > 0;
    if (has_body) {
        std::string range_error;
        auto start = chunk_start(request, &range_error);
        if (!range_error.empty()) return oci_error(400, "BLOB_UPLOAD_INVALID", "invalid Content-Range", range_error);
        UploadOutcome outcome = uploads_.append(route.reference, route.name, *request.body, start);
        if (!outcome.ok()) return upload_failure(outcome, location);
    }
    UploadOutcome outcome = uploads_.finish(route.reference, route.name, *digest);
    if (!outcome.ok()) return upload_failure(outcome, location);
    if (Status link = metadata_.link_blob(route.name, *digest); !link) return internal_error(link.message());
    HttpResponse response = empty_response(201);
    response.set_header("Location", fmt::format("/v2/{}/blobs/{}", route.name, *digest));
    response.set_header("Docker-Content-Digest", *digest);
    return response;
}

HttpResponse DistributionApi::upload_status(HttpRequest&, const Route& route) {
    auto size = uploads_.size(route.reference, route.name);
    if (!size) return oci_error(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown", route.reference);
    HttpResponse response = empty_response(204);
    response.set_header("Location", fmt::format("/v2/{}/blobs/uploads/{}", route.name, route.reference));
    response.set_header("Range", upload_range(*size));
    response.set_header("Docker-Upload-UUID", route.reference);
    return response;
}

HttpResponse DistributionApi::cancel_upload(HttpRequest&, const Route& route) {
    if (!uploads_.cancel(route.reference, route.name))
        return oci_error(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown", route.reference);
    return empty_response(204);
}

HttpResponse DistributionApi::list_tags(HttpRequest& request, const Route& route) {
    auto exists = metadata_.repository_exists(route.name);
    if (!exists) return internal_error(exists.error().message);
    if (!*exists) return oci_error(404, "NAME_UNKNOWN", "repository name not known to registry", route.name);
    auto page = page_request(request);
    if (!page) return oci_error(400, "UNSUPPORTED", "n must be a number");
    auto tags = metadata_.list_tags(route.name, *page);
    if (!tags) return internal_error(tags.error().message);
    auto response = HttpResponse::json(200, nlohmann::json{{"name", route.name}, {"tags", *tags}}.dump());
    if (page->limit && !tags->empty() && tags->size() == *page->limit)
        response.set_header("Link", fmt::format("</v2/{}/tags/list?n={}&last={}>; rel=\"next\"", route.name,
                                                *page->limit, percent_encode(tags->back())));
    return response;
}

HttpResponse DistributionApi::referrers(HttpRequest& request, const Route& route) {
    if (!is_sha256_digest(route.reference)) return oci_error(400, "DIGEST_INVALID", "invalid digest", route.reference);
    std::string artifact_type = request.query_parameter("artifactType").value_or("");
    auto records = metadata_.referrers(route.name, route.reference, artifact_type);
    if (!records) return internal_error(records.error().message);
    nlohmann::json manifests = nlohmann::json::array();
    for (const auto& record : *records) {
        nlohmann::json entry{{"mediaType", record.media_type}, {"digest", record.digest}, {"size", record.size}};
        if (!record.artifact_type.empty()) entry["artifactType"] = record.artifact_type;
        if (!record.annotations_json.empty()) {
            try {
                entry["annotations"] = nlohmann::json::parse(record.annotations_json);
            } catch (const nlohmann::json::exception&) {
            }
        }
        manifests.push_back(std::move(entry));
    }
    nlohmann::json index{{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", manifests}};
    auto response = HttpResponse::json(200, index.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    response.set_header("Content-Type", std::string(kOciIndex));
    if (!artifact_type.empty()) response.set_header("OCI-Filters-Applied", "artifactType");
    return response;
}

}  // namespace moat::registry
