// POST /api/v1/repositories/{name}/manifests/{tag}/fix: `moat fix` run by the registry on one of
// its images. The fix runs in a child `moat fix` process (chroot installs and their failures stay
// out of the server) that reads the image from this registry over loopback and pushes
// `<tag>_fix` (or the tag, with "overwrite") back as the caller, so every push rule applies —
// immutable tags, scan on push. The answer holds the new tag and digest, what was upgraded and
// what not, and the reports of both images.
#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "registry/api/security_api.h"
#include "registry/auth/access_control.h"
#include "registry/http/http_message.h"
#include "registry/metadata/metadata_store.h"
#include "registry/scan/scan_service.h"

namespace moat::registry {

struct FixApiOptions {
    std::filesystem::path moat_binary = "/proc/self/exe";
    std::filesystem::path vulndb_path;
    std::vector<std::string> repos;  // --fix-repo: apt lines instead of the image's own sources
    std::string keyring;             // --fix-keyring
    std::vector<std::string> debs;   // --fix-deb: package files instead of repositories
    std::chrono::seconds scan_wait{600};
};

class FixApi {
public:
    FixApi(ScanService& scans, MetadataStore& metadata, AccessControl& access, SecurityApi& reports,
           FixApiOptions options)
        : scans_(scans), metadata_(metadata), access_(access), reports_(reports), options_(std::move(options)) {}

    // The address the server listens on ("127.0.0.1:PORT"), and whether it speaks TLS.
    void listening_on(std::string address, bool tls) {
        std::lock_guard lock(mutex_);
        self_address_ = std::move(address);
        self_tls_ = tls;
    }

    // nullopt when the path is not …/manifests/{tag}/fix.
    std::optional<HttpResponse> handle(HttpRequest& request);

private:
    HttpResponse fix(HttpRequest& request, const std::string& repository, const std::string& tag);
    // Waits (bounded) until the scan of `digest` is done or failed.
    void wait_for_scan(const std::string& digest);

    ScanService& scans_;
    MetadataStore& metadata_;
    AccessControl& access_;
    SecurityApi& reports_;
    FixApiOptions options_;
    std::mutex mutex_;
    std::string self_address_;
    bool self_tls_ = false;
    std::set<std::string> running_;  // repositories with a fix under way
};

}  // namespace moat::registry
