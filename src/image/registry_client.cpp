#include "image/registry_client.h"

#include <curl/curl.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/digest.h"
#include "image/manifest.h"

namespace moat {

namespace {

constexpr const char* kManifestAccept =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr size_t kMaxTokenBody = 1 << 20;

void ensure_curl_initialised() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lowercase(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::string base64_decode(std::string_view text) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int value = 0, bits = -8;
    for (char c : text) {
        size_t index = alphabet.find(c);
        if (index == std::string::npos) break;  // '=' padding or junk ends the data
        value = (value << 6) + static_cast<int>(index);
        bits += 6;
        if (bits >= 0) {
            out.push_back(static_cast<char>((value >> bits) & 0xFF));
            bits -= 8;
        }
    }
    return out;
}

std::string url_escape(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

// The parameters of a WWW-Authenticate challenge: scheme and key="value" pairs.
struct Challenge {
    std::string scheme;
    std::map<std::string, std::string> parameters;
};

Challenge parse_challenge(std::string_view header) {
    Challenge challenge;
    size_t space = header.find(' ');
    challenge.scheme = lowercase(std::string(header.substr(0, space)));
    if (space == std::string_view::npos) return challenge;
    std::string_view rest = header.substr(space + 1);
    while (!rest.empty()) {
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) rest.remove_prefix(1);
        size_t eq = rest.find('=');
        if (eq == std::string_view::npos) break;
        std::string key = lowercase(std::string(rest.substr(0, eq)));
        rest.remove_prefix(eq + 1);
        std::string value;
        if (!rest.empty() && rest.front() == '"') {
            size_t end = rest.find('"', 1);
            if (end == std::string_view::npos) end = rest.size();
            value = std::string(rest.substr(1, end - 1));
            rest.remove_prefix(std::min(rest.size(), end + 1));
        } else {
            size_t end = rest.find(',');
            value = std::string(rest.substr(0, end));
            rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
        }
        challenge.parameters[key] = value;
    }
    return challenge;
}

// The registry's error message from an OCI error body, or the status line.
std::string error_text(long status, const std::string& body) {
    auto document = nlohmann::json::parse(body, nullptr, false);
    if (document.is_object() && document.contains("errors") && document["errors"].is_array()) {
        std::string out;
        for (const auto& error : document["errors"]) {
            if (!error.is_object()) continue;
            if (!out.empty()) out += "; ";
            std::string code = error.value("code", "");
            std::string message = error.value("message", "");
            out += code.empty() ? message : fmt::format("{}: {}", lowercase(code), message);
        }
        if (!out.empty()) return out;
    }
    return fmt::format("HTTP {}", status);
}

struct Response {
    long status = 0;
    std::map<std::string, std::string> headers;  // lowercase names
    std::string body;
    bool body_too_large = false;
};

struct ResponseSink {
    Response* response;
    size_t max_body;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<ResponseSink*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) sink->response->headers.clear();  // a new response (redirect, 100)
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
            value.remove_suffix(1);
        sink->response->headers[lowercase(std::string(line.substr(0, colon)))] = std::string(value);
    }
    return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<ResponseSink*>(user);
    size_t bytes = size * count;
    if (sink->response->body.size() + bytes > sink->max_body) {
        sink->response->body_too_large = true;
        return 0;  // aborts the transfer
    }
    sink->response->body.append(data, bytes);
    return bytes;
}

struct Upload {
    std::ifstream* file = nullptr;
    const std::string* bytes = nullptr;
    size_t offset = 0;
};

size_t on_upload(char* buffer, size_t size, size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    size_t capacity = size * count;
    if (upload->file) {
        upload->file->read(buffer, static_cast<std::streamsize>(capacity));
        return static_cast<size_t>(upload->file->gcount());
    }
    size_t left = upload->bytes->size() - upload->offset;
    size_t take = std::min(left, capacity);
    std::memcpy(buffer, upload->bytes->data() + upload->offset, take);
    upload->offset += take;
    return take;
}

}  // namespace

struct RegistryClient::Impl {
    std::string registry;
    RegistryClientOptions options;
    std::string scheme;
    std::map<std::string, std::string> tokens;  // scope -> bearer token
    bool use_basic = false;                      // set once the registry asked for Basic

    struct Request {
        std::string method = "GET";
        std::string url;
        std::vector<std::string> headers;
        std::string scope;            // the token scope this request needs
        size_t max_body = kMaxErrorBody;
        const std::string* body = nullptr;
        const std::filesystem::path* body_file = nullptr;
        uint64_t body_size = 0;
    };

    std::string base_url() const { return scheme + "://" + registry + "/v2/"; }

    void configure(CURL* handle) const {
        curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(handle, CURLOPT_USERAGENT, "moat/0.1");
        curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_seconds);
        curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, options.stall_timeout_seconds);
        curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
        if (options.skip_tls_verify) {
            curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        if (!options.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options.ca_file.c_str());
    }

    std::string authorization(const std::string& scope) const {
        if (auto token = tokens.find(scope); token != tokens.end()) return "Authorization: Bearer " + token->second;
        return {};
    }

    Result<Response> perform_once(const Request& request) {
        std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
        if (!curl) return Error{"cannot start an HTTP transfer"};
        CURL* handle = curl.get();
        configure(handle);
        curl_slist* list = nullptr;
        for (const auto& header : request.headers) list = curl_slist_append(list, header.c_str());
        std::string auth = authorization(request.scope);
        if (!auth.empty()) list = curl_slist_append(list, auth.c_str());
        else if (use_basic) use_basic_credentials(handle);
        std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(list, curl_slist_free_all);
        curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
        curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());
        Response response;
        ResponseSink sink{&response, request.max_body};
        curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &on_header);
        curl_easy_setopt(handle, CURLOPT_HEADERDATA, &sink);
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &on_body);
        curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
        std::ifstream file;
        Upload upload;
        if (request.method == "HEAD") {
            curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
        } else if (request.method == "PUT" || request.method == "POST" || request.method == "PATCH") {
            if (request.body_file) {
                file.open(*request.body_file, std::ios::binary);
                if (!file) return Error{fmt::format("cannot read {}", request.body_file->string())};
                upload.file = &file;
            } else {
                upload.bytes = request.body;
            }
            static const std::string empty;
            if (!upload.file && !upload.bytes) upload.bytes = &empty;
            uint64_t size = upload.file ? request.body_size : upload.bytes->size();
            curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
            curl_easy_setopt(handle, CURLOPT_READFUNCTION, &on_upload);
            curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
            curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
            curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        } else if (request.method != "GET") {
            curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        }
        CURLcode code = curl_easy_perform(handle);
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
        if (response.body_too_large)
            return Error{fmt::format("{}: the answer is larger than {} bytes", request.url, request.max_body)};
        if (code != CURLE_OK) return Error{fmt::format("{}: {}", request.url, curl_easy_strerror(code))};
        return response;
    }

    void use_basic_credentials(CURL* handle) const {
        curl_easy_setopt(handle, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(handle, CURLOPT_USERNAME, options.credentials.username.c_str());
        curl_easy_setopt(handle, CURLOPT_PASSWORD, options.credentials.password.c_str());
    }

    // Fetches a bearer token for `scope` as the registry's challenge asks.
    Status fetch_token(const Challenge& challenge, const std::string& scope) {
        auto realm = challenge.parameters.find("realm");
        if (realm == challenge.parameters.end()) return Error{"the registry asked for a token but named no realm"};
        std::string url = realm->second;
        url += url.find('?') == std::string::npos ? '?' : '&';
        if (auto service = challenge.parameters.find("service"); service != challenge.parameters.end())
            url += "service=" + url_escape(service->second) + "&";
        url += "scope=" + url_escape(scope);
        std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
        CURL* handle = curl.get();
        configure(handle);
        curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
        if (!options.credentials.empty()) use_basic_credentials(handle);
        Response response;
        ResponseSink sink{&response, kMaxTokenBody};
        curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &on_header);
        curl_easy_setopt(handle, CURLOPT_HEADERDATA, &sink);
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &on_body);
        curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
        CURLcode code = curl_easy_perform(handle);
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
        if (code != CURLE_OK) return Error{fmt::format("token service {}: {}", realm->second, curl_easy_strerror(code))};
        if (response.status == 401)
            return Error{options.credentials.empty()
                             ? "authentication required: give credentials (--username/--password or a login)"
                             : fmt::format("login as {} refused by the token service", options.credentials.username)};
        if (response.status != 200)
            return Error{fmt::format("token service {}: {}", realm->second, error_text(response.status, response.body))};
        auto document = nlohmann::json::parse(response.body, nullptr, false);
        std::string token;
        if (document.is_object()) {
            token = document.value("token", "");
            if (token.empty()) token = document.value("access_token", "");
        }
        if (token.empty()) return Error{fmt::format("token service {}: the answer holds no token", realm->second)};
        tokens[scope] = token;
        return Status::Ok();
    }

    // Performs `request`, answering one authentication challenge on the way.
    Result<Response> perform(const Request& request) {
        auto response = perform_once(request);
        if (!response || response->status != 401) return response;
        auto header = response->headers.find("www-authenticate");
        if (header == response->headers.end()) return response;
        Challenge challenge = parse_challenge(header->second);
        if (challenge.scheme == "bearer") {
            std::string scope = request.scope;
            if (scope.empty()) {
                auto asked = challenge.parameters.find("scope");
                if (asked != challenge.parameters.end()) scope = asked->second;
            }
            if (Status status = fetch_token(challenge, scope); !status.ok())
                return Error{fmt::format("{}: {}", registry, status.message())};
            Request retry = request;
            retry.scope = scope;
            return perform_once(retry);
        }
        if (challenge.scheme == "basic" && !options.credentials.empty() && !use_basic) {
            use_basic = true;
            return perform_once(request);
        }
        return response;
    }

    std::string repository_url(const std::string& repository, const std::string& rest) const {
        return base_url() + repository + "/" + rest;
    }
};

RegistryCredentials find_registry_credentials(const std::string& registry) {
    RegistryCredentials credentials;
    if (const char* user = std::getenv("MOAT_REGISTRY_USERNAME")) {
        credentials.username = user;
        if (const char* password = std::getenv("MOAT_REGISTRY_PASSWORD")) credentials.password = password;
        return credentials;
    }
    std::vector<std::filesystem::path> files;
    if (const char* file = std::getenv("REGISTRY_AUTH_FILE")) files.emplace_back(file);
    if (const char* runtime = std::getenv("XDG_RUNTIME_DIR")) files.emplace_back(std::filesystem::path(runtime) / "containers/auth.json");
    if (const char* docker = std::getenv("DOCKER_CONFIG")) files.emplace_back(std::filesystem::path(docker) / "config.json");
    if (const char* home = std::getenv("HOME")) files.emplace_back(std::filesystem::path(home) / ".docker/config.json");
    for (const auto& path : files) {
        auto text = read_small_file(path, 1 << 20, path.string());
        if (!text) continue;
        auto document = nlohmann::json::parse(*text, nullptr, false);
        if (!document.is_object() || !document.contains("auths") || !document["auths"].is_object()) continue;
        for (const auto& [host, entry] : document["auths"].items()) {
            std::string_view name = host;
            if (name.starts_with("https://")) name.remove_prefix(8);
            if (name.starts_with("http://")) name.remove_prefix(7);
            if (name.ends_with("/")) name.remove_suffix(1);
            if (name != registry || !entry.is_object() || !entry.contains("auth") || !entry["auth"].is_string()) continue;
            std::string pair = base64_decode(entry["auth"].get<std::string>());
            size_t colon = pair.find(':');
            if (colon == std::string::npos) continue;
            credentials.username = pair.substr(0, colon);
            credentials.password = pair.substr(colon + 1);
            return credentials;
        }
    }
    return credentials;
}

namespace {

// A blob streamed as it arrives: read() drives libcurl's multi interface until bytes are there,
// so a layer is walked while it downloads and never lands on disk.
class BlobStream final : public ByteSource {
public:
    BlobStream(std::string description) : description_(std::move(description)) {}
    ~BlobStream() override {
        if (multi_ && easy_) curl_multi_remove_handle(multi_, easy_);
        if (easy_) curl_easy_cleanup(easy_);
        if (multi_) curl_multi_cleanup(multi_);
        if (headers_) curl_slist_free_all(headers_);
    }

    Status start(const RegistryClient::Impl& client, const std::string& url, const std::string& authorization) {
        multi_ = curl_multi_init();
        easy_ = curl_easy_init();
        if (!multi_ || !easy_) return Error{description_ + ": cannot start an HTTP transfer"};
        client.configure(easy_);
        if (!authorization.empty()) headers_ = curl_slist_append(headers_, authorization.c_str());
        else if (client.use_basic) client.use_basic_credentials(easy_);
        curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
        curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
        curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &BlobStream::on_data);
        curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
        curl_multi_add_handle(multi_, easy_);
        return Status::Ok();
    }

    Result<size_t> read(void* buffer, size_t size) override {
        while (offset_ == pending_.size() && !finished_) {
            pending_.clear();
            offset_ = 0;
            int running = 0;
            if (curl_multi_perform(multi_, &running) != CURLM_OK) return Error{description_ + ": transfer failed"};
            if (running == 0) {
                int left = 0;
                while (CURLMsg* message = curl_multi_info_read(multi_, &left))
                    if (message->msg == CURLMSG_DONE) result_ = message->data.result;
                finished_ = true;
            } else if (pending_.empty()) {
                curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
            }
        }
        if (offset_ == pending_.size()) {
            long status = 0;
            curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
            if (result_ != CURLE_OK) return Error{fmt::format("{}: {}", description_, curl_easy_strerror(result_))};
            if (status != 200) return Error{fmt::format("{}: {}", description_, error_text(status, error_body_))};
            return size_t{0};
        }
        size_t take = std::min(size, pending_.size() - offset_);
        std::memcpy(buffer, pending_.data() + offset_, take);
        offset_ += take;
        return take;
    }

    const std::string& description() const override { return description_; }

private:
    static size_t on_data(char* data, size_t size, size_t count, void* user) {
        auto* self = static_cast<BlobStream*>(user);
        size_t bytes = size * count;
        long status = 0;
        curl_easy_getinfo(self->easy_, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200) {  // an error document: keep a little of it for the message
            if (self->error_body_.size() < kMaxErrorBody) self->error_body_.append(data, bytes);
            return bytes;
        }
        self->pending_.append(data, bytes);
        return bytes;
    }

    std::string description_;
    CURLM* multi_ = nullptr;
    CURL* easy_ = nullptr;
    curl_slist* headers_ = nullptr;
    std::string pending_;
    size_t offset_ = 0;
    bool finished_ = false;
    CURLcode result_ = CURLE_OK;
    std::string error_body_;
};

}  // namespace

RegistryClient::RegistryClient(std::string registry, RegistryClientOptions options)
    : registry_(std::move(registry)), impl_(std::make_unique<Impl>()) {
    ensure_curl_initialised();
    impl_->registry = registry_;
    impl_->options = std::move(options);
    impl_->scheme = impl_->options.plain_http ? "http" : "https";
}

RegistryClient::~RegistryClient() = default;

Result<RegistryClient::Document> RegistryClient::get_manifest(const std::string& repository,
                                                              const std::string& reference) {
    Impl::Request request;
    request.url = impl_->repository_url(repository, "manifests/" + reference);
    request.headers = {kManifestAccept};
    request.scope = fmt::format("repository:{}:pull", repository);
    request.max_body = kMaxImageDocumentBytes;
    std::string where = fmt::format("{}/{}:{}", registry_, repository, reference);
    auto response = impl_->perform(request);
    if (!response) return Error{fmt::format("{}: {}", where, response.error().message)};
    if (response->status != 200)
        return Error{fmt::format("{}: reading manifest: {}", where, error_text(response->status, response->body))};
    Document document;
    document.body = std::move(response->body);
    document.digest = sha256_digest(document.body);
    auto type = response->headers.find("content-type");
    document.media_type = type != response->headers.end() ? type->second : "";
    if (size_t semicolon = document.media_type.find(';'); semicolon != std::string::npos)
        document.media_type.resize(semicolon);
    if (!is_index_media_type(document.media_type) && !is_manifest_media_type(document.media_type))
        document.media_type = document_media_type(document.body);
    if (is_sha256_digest(reference) && reference != document.digest)
        return Error{fmt::format("{}: the manifest served hashes to {}", where, document.digest)};
    auto announced = response->headers.find("docker-content-digest");
    if (announced != response->headers.end() && is_sha256_digest(announced->second) &&
        announced->second != document.digest)
        return Error{fmt::format("{}: the registry says the manifest is {} but it hashes to {}", where,
                                 announced->second, document.digest)};
    return document;
}

Result<std::string> RegistryClient::get_blob(const std::string& repository, const std::string& digest,
                                             size_t max_bytes) {
    Impl::Request request;
    request.url = impl_->repository_url(repository, "blobs/" + digest);
    request.scope = fmt::format("repository:{}:pull", repository);
    request.max_body = max_bytes;
    std::string where = fmt::format("{}/{}: blob {}", registry_, repository, digest);
    auto response = impl_->perform(request);
    if (!response) return Error{fmt::format("{}: {}", where, response.error().message)};
    if (response->status != 200) return Error{fmt::format("{}: {}", where, error_text(response->status, response->body))};
    std::string actual = sha256_digest(response->body);
    if (actual != digest) return Error{fmt::format("{}: digest mismatch: content hashes to {}", where, actual)};
    return std::move(response->body);
}

Result<bool> RegistryClient::blob_exists(const std::string& repository, const std::string& digest) {
    Impl::Request request;
    request.method = "HEAD";
    request.url = impl_->repository_url(repository, "blobs/" + digest);
    request.scope = fmt::format("repository:{}:pull", repository);
    auto response = impl_->perform(request);
    if (!response) return Error{fmt::format("{}/{}: blob {}: {}", registry_, repository, digest, response.error().message)};
    if (response->status == 200) return true;
    if (response->status == 404) return false;
    return Error{fmt::format("{}/{}: blob {}: HTTP {}", registry_, repository, digest, response->status)};
}

Result<std::unique_ptr<ByteSource>> RegistryClient::open_blob(const std::string& repository,
                                                              const std::string& digest) {
    // A HEAD first settles authentication (and fails early, with the registry's words, on a
    // missing blob); the stream then reuses the token.
    std::string scope = fmt::format("repository:{}:pull", repository);
    auto exists = blob_exists(repository, digest);
    if (!exists) return exists.error();
    std::string description = fmt::format("{}/{}: layer {}", registry_, repository, digest);
    if (!*exists) return Error{description + ": the registry does not have this blob"};
    auto stream = std::make_unique<BlobStream>(description);
    if (Status status = stream->start(*impl_, impl_->repository_url(repository, "blobs/" + digest),
                                      impl_->authorization(scope));
        !status.ok())
        return status.error();
    return std::unique_ptr<ByteSource>(std::move(stream));
}

Status RegistryClient::push_blob(const std::string& repository, const std::string& digest,
                                 const std::filesystem::path& file) {
    auto exists = blob_exists(repository, digest);
    if (exists && *exists) return Status::Ok();
    std::error_code error;
    uint64_t size = std::filesystem::file_size(file, error);
    if (error) return Error{fmt::format("{}: {}", file.string(), error.message())};
    Impl::Request request;
    request.method = "POST";
    request.url = impl_->repository_url(repository, "blobs/uploads/");
    request.scope = fmt::format("repository:{}:pull,push", repository);
    std::string where = fmt::format("{}/{}: pushing blob {}", registry_, repository, digest);
    auto started = impl_->perform(request);
    if (!started) return Error{fmt::format("{}: {}", where, started.error().message)};
    if (started->status != 202) return Error{fmt::format("{}: {}", where, error_text(started->status, started->body))};
    std::string location = started->headers["location"];
    if (location.empty()) return Error{where + ": the registry gave no upload location"};
    if (location.starts_with("/")) location = impl_->scheme + "://" + registry_ + location;
    location += location.find('?') == std::string::npos ? '?' : '&';
    location += "digest=" + url_escape(digest);
    Impl::Request put;
    put.method = "PUT";
    put.url = location;
    put.scope = request.scope;
    put.headers = {"Content-Type: application/octet-stream"};
    put.body_file = &file;
    put.body_size = size;
    auto finished = impl_->perform(put);
    if (!finished) return Error{fmt::format("{}: {}", where, finished.error().message)};
    if (finished->status != 201) return Error{fmt::format("{}: {}", where, error_text(finished->status, finished->body))};
    return Status::Ok();
}

Status RegistryClient::push_blob_bytes(const std::string& repository, const std::string& digest,
                                       const std::string& bytes) {
    auto exists = blob_exists(repository, digest);
    if (exists && *exists) return Status::Ok();
    Impl::Request request;
    request.method = "POST";
    request.url = impl_->repository_url(repository, "blobs/uploads/?digest=" + url_escape(digest));
    request.scope = fmt::format("repository:{}:pull,push", repository);
    request.headers = {"Content-Type: application/octet-stream"};
    request.body = &bytes;
    std::string where = fmt::format("{}/{}: pushing blob {}", registry_, repository, digest);
    auto response = impl_->perform(request);
    if (!response) return Error{fmt::format("{}: {}", where, response.error().message)};
    if (response->status == 201) return Status::Ok();
    if (response->status != 202) return Error{fmt::format("{}: {}", where, error_text(response->status, response->body))};
    // The registry started a session instead of taking the single POST: finish it with a PUT.
    std::string location = response->headers["location"];
    if (location.starts_with("/")) location = impl_->scheme + "://" + registry_ + location;
    location += location.find('?') == std::string::npos ? '?' : '&';
    location += "digest=" + url_escape(digest);
    Impl::Request put = request;
    put.method = "PUT";
    put.url = location;
    auto finished = impl_->perform(put);
    if (!finished) return Error{fmt::format("{}: {}", where, finished.error().message)};
    if (finished->status != 201) return Error{fmt::format("{}: {}", where, error_text(finished->status, finished->body))};
    return Status::Ok();
}

Status RegistryClient::push_manifest(const std::string& repository, const std::string& reference,
                                     const std::string& media_type, const std::string& body) {
    Impl::Request request;
    request.method = "PUT";
    request.url = impl_->repository_url(repository, "manifests/" + reference);
    request.scope = fmt::format("repository:{}:pull,push", repository);
    request.headers = {"Content-Type: " + media_type};
    request.body = &body;
    std::string where = fmt::format("{}/{}:{}", registry_, repository, reference);
    auto response = impl_->perform(request);
    if (!response) return Error{fmt::format("{}: {}", where, response.error().message)};
    if (response->status != 201)
        return Error{fmt::format("{}: writing manifest: {}", where, error_text(response->status, response->body))};
    return Status::Ok();
}

}  // namespace moat
