// A client of the OCI distribution API (libcurl): manifests and blobs from a registry, with the
// Docker token flow and Basic auth, for `moat scan HOST/REPO:TAG` and for writing fixed images
// back. Everything read is checked against its digest; every error names the registry and the
// repository.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "image/byte_source.h"
#include "util/result.h"

namespace moat {

struct RegistryCredentials {
    std::string username;
    std::string password;
    bool empty() const { return username.empty(); }
};

struct RegistryClientOptions {
    bool plain_http = false;     // --insecure: http:// (loopback tests, private networks)
    bool skip_tls_verify = false;
    std::string ca_file;         // extra CA bundle for https (a private registry's CA)
    RegistryCredentials credentials;
    long connect_timeout_seconds = 15;
    long stall_timeout_seconds = 60;
};

// Credentials for `registry` from the environment (MOAT_REGISTRY_USERNAME/PASSWORD) or the
// auth files docker, podman and skopeo write (REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/
// auth.json, ~/.docker/config.json: "auths" → "auth" = base64 user:password).
RegistryCredentials find_registry_credentials(const std::string& registry);

class RegistryClient {
public:
    RegistryClient(std::string registry, RegistryClientOptions options);
    ~RegistryClient();
    RegistryClient(const RegistryClient&) = delete;
    RegistryClient& operator=(const RegistryClient&) = delete;

    struct Document {
        std::string media_type;
        std::string digest;
        std::string body;
    };
    // A manifest or index by tag or digest; its digest is computed from the bytes and must
    // equal the digest asked for (or the registry's Docker-Content-Digest for a tag).
    Result<Document> get_manifest(const std::string& repository, const std::string& reference);
    // A small blob (a config), read whole and checked against `digest`.
    Result<std::string> get_blob(const std::string& repository, const std::string& digest, size_t max_bytes);
    // A blob as a stream; the caller checks its digest as it reads (TarStream does).
    Result<std::unique_ptr<ByteSource>> open_blob(const std::string& repository, const std::string& digest);

    Result<bool> blob_exists(const std::string& repository, const std::string& digest);
    // Uploads a blob (monolithic POST then PUT with the digest); skipped when present.
    Status push_blob(const std::string& repository, const std::string& digest, const std::filesystem::path& file);
    Status push_blob_bytes(const std::string& repository, const std::string& digest, const std::string& bytes);
    // PUT of a manifest under `reference` (a tag or its digest); returns the registry's error
    // message verbatim when it refuses (an immutable tag, say).
    Status push_manifest(const std::string& repository, const std::string& reference, const std::string& media_type,
                         const std::string& body);

    const std::string& registry() const { return registry_; }

    struct Impl;

private:
    std::string registry_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace moat
