// `moat serve` assembled: the stores under one data directory, the distribution API under /v2,
// a Router where other handlers (token endpoint, JSON API, console) are added, and the HTTP server.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "registry/auth/access_control.h"
#include "registry/distribution/distribution_api.h"
#include "registry/http/http_server.h"
#include "registry/metadata/metadata_store.h"
#include "registry/router.h"
#include "registry/storage/blob_store.h"
#include "registry/storage/upload_store.h"

namespace moat::registry {

struct RegistryOptions {
    std::filesystem::path data_dir = "moat-data";
    HttpServerOptions http;
};

class RegistryServer {
public:
    // Opens the data directory (blobs, uploads, metadata.db). `metadata` may be null: SQLite in
    // DATA/metadata.db. `access` must outlive the server.
    static Result<std::unique_ptr<RegistryServer>> open(const RegistryOptions& options, AccessControl& access,
                                                        std::unique_ptr<MetadataStore> metadata = nullptr);

    // Add handlers (e.g. "/token", "/api/v1/") before listen().
    Router& router() { return router_; }
    BlobStore& blobs() { return *blobs_; }
    MetadataStore& metadata() { return *metadata_; }
    DistributionApi& distribution() { return *distribution_; }

    // Binds the listen address; bound_address() is valid afterwards.
    Status listen();
    std::string bound_address() const { return http_ ? http_->bound_address() : std::string(); }
    // Serves until stop().
    void run();
    void stop();

private:
    RegistryServer() = default;
    RegistryOptions options_;
    std::unique_ptr<BlobStore> blobs_;
    std::unique_ptr<UploadStore> uploads_;
    std::unique_ptr<MetadataStore> metadata_;
    std::unique_ptr<DistributionApi> distribution_;
    Router router_;
    std::unique_ptr<HttpServer> http_;
};

}  // namespace moat::registry
