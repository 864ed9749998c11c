#include "registry/registry_server.h"

#include "registry/metadata/sqlite_metadata_store.h"

namespace moat::registry {

Result<std::unique_ptr<RegistryServer>> RegistryServer::open(const RegistryOptions& options, AccessControl& access,
                                                             std::unique_ptr<MetadataStore> metadata) {
    std::unique_ptr<RegistryServer> server(new RegistryServer());
    server->options_ = options;
    server->blobs_ = std::make_unique<BlobStore>(options.data_dir);
    if (Status ready = server->blobs_->initialize(); !ready) return ready.error();
    server->uploads_ = std::make_unique<UploadStore>(options.data_dir, *server->blobs_);
    if (Status ready = server->uploads_->initialize(); !ready) return ready.error();
    if (!metadata) {
        auto sqlite = SqliteMetadataStore::open(options.data_dir / "metadata.db");
        if (!sqlite) return sqlite.error();
        metadata = std::move(*sqlite);
    }
    server->metadata_ = std::move(metadata);
    server->distribution_ =
        std::make_unique<DistributionApi>(*server->blobs_, *server->uploads_, *server->metadata_, access);
    DistributionApi* distribution = server->distribution_.get();
    server->router_.add("/v2", [distribution](HttpRequest& request) {
        HttpResponse response = distribution->handle(request);
        response.set_header("Docker-Distribution-API-Version", "registry/2.0");
        return response;
    });
    return server;
}

Status RegistryServer::listen() {
    Router* router = &router_;
    auto http = HttpServer::bind(options_.http, [router](HttpRequest& request) { return router->dispatch(request); });
    if (!http) return http.error();
    http_ = std::move(*http);
    return {};
}

void RegistryServer::run() {
    if (http_) http_->run();
}

void RegistryServer::stop() {
    if (http_) http_->stop();
}

}  // namespace moat::registry
