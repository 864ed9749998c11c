#include "fix/image_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <set>

#include "image/byte_source.h"
#include "image/digest.h"
#include "image/image_reference.h"
#include "image/manifest.h"

namespace moat::fix {
namespace fs = std::filesystem;
namespace {

constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kOciConfig = "application/vnd.oci.image.config.v1+json";
constexpr const char* kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
constexpr const char* kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
constexpr const char* kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
constexpr const char* kRefName = "org.opencontainers.image.ref.name";

// "oci:DIR:TAG" -> (DIR, TAG), as the layout reader splits it.
std::pair<std::string, std::string> split_oci(const std::string& spec) {
    if (size_t colon = spec.rfind(':'); colon != std::string::npos && !fs::exists(spec))
        return {spec.substr(0, colon), spec.substr(colon + 1)};
    return {spec, ""};
}

// "app.tar" -> "app_fix.tar"
fs::path fix_archive_name(const fs::path& file) {
    fs::path out = file;
    std::string stem = file.stem().string();
    std::string ext = file.extension().string();
    if (ext != ".tar") {
        stem = file.filename().string();
        ext = "";
    }
    out.replace_filename(stem + "_fix" + ext);
    return out;
}

std::string json_bytes(const nlohmann::json& document) {
    return document.dump();
}

// Writes `bytes` to `path` through a temp file and a rename, so readers never see half a file.
Status write_atomically(const fs::path& path, const std::string& bytes) {
    fs::path temp = path;
    temp += fmt::format(".moat-tmp-{}", ::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) return Error{fmt::format("{}: cannot write", path.string())};
    }
    std::error_code error;
    fs::rename(temp, path, error);
    if (error) {
        fs::remove(temp, error);
        return Error{fmt::format("{}: cannot write: {}", path.string(), error.message())};
    }
    return Status::Ok();
}

fs::path blob_path(const fs::path& layout, const std::string& digest) {
    return layout / "blobs" / "sha256" / std::string(digest_hex(digest));
}

Status put_blob(const fs::path& layout, const std::string& digest, const std::string& bytes) {
    fs::path path = blob_path(layout, digest);
    if (fs::exists(path)) return Status::Ok();  // content-addressed: already the same bytes
    return write_atomically(path, bytes);
}

// Copies a layer's stored bytes out of `input` into `path`, checking them against the digest
// the input names for them.
Status copy_layer_blob(const ImageSource& input, size_t index, const fs::path& path) {
    auto source = input.open_layer(index);
    if (!source) return source.error();
    fs::path temp = path;
    temp += fmt::format(".moat-tmp-{}", ::getpid());
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(temp.c_str(), "wb"),
                                                        std::fclose);
    if (!out) return Error{fmt::format("{}: cannot write", temp.string())};
    Sha256 hash;
    std::vector<char> buffer(1 << 16);
    for (;;) {
        auto got = (*source)->read(buffer.data(), buffer.size());
        if (!got) return got.error();
        if (*got == 0) break;
        hash.update(buffer.data(), *got);
        if (std::fwrite(buffer.data(), 1, *got, out.get()) != *got)
            return Error{fmt::format("{}: cannot write", temp.string())};
    }
    out.reset();
    std::string expected = input.expected_layer_digest(index);
    std::string actual = hash.finish_digest();
    std::error_code error;
    if (!expected.empty() && actual != expected) {
        fs::remove(temp, error);
        return Error{
            fmt::format("{}: layer {} hashes to {}", (*source)->description(), expected, actual)};
    }
    fs::rename(temp, path, error);
    if (error) return Error{fmt::format("{}: cannot write: {}", path.string(), error.message())};
    return Status::Ok();
}

// The manifest the input image has, or null (docker-archive, which stores none).
Result<nlohmann::json> input_manifest(const ImageSource& input) {
    const auto& meta = input.metadata();
    if (!meta.ref.starts_with("oci:") || meta.manifest_digest.empty()) return nlohmann::json();
    auto [dir, tag] = split_oci(meta.ref.substr(4));
    auto text = read_small_file(blob_path(dir, meta.manifest_digest), kMaxImageDocumentBytes,
                                meta.ref + ": manifest");
    if (!text) return text.error();
    auto document = nlohmann::json::parse(*text, nullptr, false);
    if (!document.is_object())
        return Error{fmt::format("{}: manifest is not a JSON object", meta.ref)};
    return document;
}

// A new manifest for an input with none: its layers as stored, gzip or plain by their bytes.
Result<nlohmann::json> manifest_from_layers(const ImageSource& input,
                                            const std::string& media_type) {
    bool docker = media_type == kDockerManifest;
    nlohmann::json layers = nlohmann::json::array();
    for (size_t index = 0; index < input.metadata().layers.size(); ++index) {
        const auto& layer = input.metadata().layers[index];
        std::string type = layer.media_type;
        bool gzip = false;
        if (type.empty()) {
            auto source = input.open_layer(index);
            if (!source) return source.error();
            unsigned char magic[2] = {0, 0};
            auto got = (*source)->read(magic, 2);
            gzip = got && *got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        }
        if (type.empty())
            type = docker
                       ? (gzip ? kDockerLayerGzip : "application/vnd.docker.image.rootfs.diff.tar")
                       : (gzip ? kOciLayerGzip : "application/vnd.oci.image.layer.v1.tar");
        layers.push_back({{"mediaType", type},
                          {"digest", input.expected_layer_digest(index)},
                          {"size", layer.size}});
    }
    nlohmann::json manifest = {{"schemaVersion", 2},
                               {"mediaType", media_type},
                               {"config", nlohmann::json::object()},
                               {"layers", layers}};
    return manifest;
}

}  // namespace

std::string ImageTarget::ref() const {
    if (kind == Kind::DockerArchive) return "docker-archive:" + path.string();
    if (kind == Kind::Registry) return registry + "/" + repository + ":" + tag;
    return "oci:" + path.string() + ":" + tag;
}

Result<ImageTarget> resolve_target(const std::string& input_ref, const std::string& output_ref,
                                   bool overwrite, const std::vector<std::string>& repo_tags) {
    const std::string unsupported = fmt::format(
        "moat fix: {}: not an image reference moat can write (oci:DIR[:TAG], "
        "docker-archive:FILE or HOST[:PORT]/REPO:TAG)",
        output_ref.empty() ? input_ref : output_ref);
    ImageTarget target;
    std::string input_tag;  // oci tag, or the archive's "repo:tag"
    if (input_ref.starts_with("oci:")) {
        auto [dir, tag] = split_oci(input_ref.substr(4));
        input_tag = tag.empty() ? "latest" : tag;
        target.kind = ImageTarget::Kind::OciLayout;
        target.path = dir;
        target.tag = overwrite ? input_tag : input_tag + "_fix";
    } else if (input_ref.starts_with("docker-archive:")) {
        std::string spec = input_ref.substr(15);
        std::string file = spec;
        if (!fs::exists(spec))
            if (size_t colon = spec.find(':'); colon != std::string::npos)
                file = spec.substr(0, colon);
        input_tag = repo_tags.empty() ? "moat-fixed:latest" : repo_tags.front();
        target.kind = ImageTarget::Kind::DockerArchive;
        target.path = overwrite ? fs::path(file) : fix_archive_name(file);
        target.tag = overwrite ? input_tag : input_tag + "_fix";
        if (overwrite && output_ref.empty())
            return Error{
                "moat fix: --overwrite of a docker-archive would rewrite the input file; use "
                "--output"};
    } else if (input_ref.starts_with("dir:")) {
        return Error{"moat fix: dir: images have no layers to add to; use oci: or docker-archive:"};
    } else if (names_registry_host(input_ref)) {
        auto reference = parse_image_reference(input_ref);
        if (!reference) return reference.error();
        if (reference->tag.empty() && output_ref.empty())
            return Error{fmt::format(
                "moat fix: {} names the image by digest: give the fixed image a name with "
                "--output HOST/REPO:TAG",
                input_ref)};
        input_tag = reference->tag;
        target.kind = ImageTarget::Kind::Registry;
        target.registry = reference->registry;
        target.repository = reference->repository;
        target.tag = overwrite ? input_tag : input_tag + "_fix";
    } else {
        return Error{unsupported};
    }
    if (output_ref.empty()) return target;
    // --output: the same tag rule, written elsewhere.
    std::string base_tag = target.tag;
    if (output_ref.starts_with("oci:")) {
        auto [dir, tag] = split_oci(output_ref.substr(4));
        target.kind = ImageTarget::Kind::OciLayout;
        target.path = dir;
        if (!tag.empty())
            target.tag = tag;
        else if (base_tag.find(':') != std::string::npos)
            target.tag = base_tag.substr(base_tag.rfind(':') + 1);
        else
            target.tag = base_tag;
    } else if (output_ref.starts_with("docker-archive:")) {
        std::string spec = output_ref.substr(15);
        target.kind = ImageTarget::Kind::DockerArchive;
        size_t colon = spec.find(':');
        target.path = colon == std::string::npos ? spec : spec.substr(0, colon);
        if (colon != std::string::npos)
            target.tag = spec.substr(colon + 1);
        else if (base_tag.find(':') == std::string::npos)
            target.tag = "moat-fixed:" + base_tag;
    } else if (names_registry_host(output_ref)) {
        auto reference = parse_image_reference(output_ref);
        if (!reference) return reference.error();
        if (!reference->digest.empty())
            return Error{fmt::format("moat fix: --output {}: name a tag, not a digest", output_ref)};
        target.kind = ImageTarget::Kind::Registry;
        target.registry = reference->registry;
        target.repository = reference->repository;
        // parse_image_reference says "latest" for a bare name; an explicit tag wins.
        bool tagged = output_ref.find(':', output_ref.rfind('/') + 1) != std::string::npos;
        if (tagged)
            target.tag = reference->tag;
        else if (!base_tag.empty())
            target.tag = base_tag.substr(base_tag.rfind(':') + 1);
        else
            target.tag = reference->tag;
    } else {
        return Error{unsupported};
    }
    if (target.kind == ImageTarget::Kind::DockerArchive &&
        input_ref.starts_with("docker-archive:")) {
        std::string spec = input_ref.substr(15);
        fs::path input_file =
            fs::exists(spec) ? fs::path(spec) : fs::path(spec.substr(0, spec.find(':')));
        std::error_code error;
        if (fs::equivalent(target.path, input_file, error))
            return Error{
                "moat fix: the output would overwrite the input archive; name another file"};
    }
    return target;
}

nlohmann::json fixed_config(const nlohmann::json& config, const std::string& diff_id,
                            const HistoryNote& note) {
    nlohmann::json out = config.is_object() ? config : nlohmann::json::object();
    if (!out["rootfs"].is_object()) out["rootfs"] = {{"type", "layers"}};
    if (!out["rootfs"]["diff_ids"].is_array()) out["rootfs"]["diff_ids"] = nlohmann::json::array();
    out["rootfs"]["diff_ids"].push_back(diff_id);
    nlohmann::json entry = {{"created", note.created}, {"created_by", note.created_by}};
    if (!note.comment.empty()) entry["comment"] = note.comment;
    if (!out["history"].is_array()) out["history"] = nlohmann::json::array();
    out["history"].push_back(entry);
    out["created"] = note.created;
    return out;
}

nlohmann::json fixed_manifest(const nlohmann::json& manifest, const std::string& config_digest,
                              uint64_t config_size, const WrittenLayer& layer) {
    nlohmann::json out = manifest.is_object() ? manifest : nlohmann::json::object();
    std::string type = out.value("mediaType", std::string());
    if (type.empty() && out.contains("config") && out["config"].is_object())
        type = out["config"].value("mediaType", std::string()).find("docker") != std::string::npos
                   ? kDockerManifest
                   : kOciManifest;
    bool docker = type == kDockerManifest;
    out["schemaVersion"] = 2;
    if (out.contains("mediaType") || docker)
        out["mediaType"] = docker ? kDockerManifest : kOciManifest;
    nlohmann::json config = out["config"].is_object() ? out["config"] : nlohmann::json::object();
    if (!config.contains("mediaType"))
        config["mediaType"] =
            docker ? "application/vnd.docker.container.image.v1+json" : kOciConfig;
    config["digest"] = config_digest;
    config["size"] = config_size;
    out["config"] = config;
    if (!out["layers"].is_array()) out["layers"] = nlohmann::json::array();
    out["layers"].push_back({{"mediaType", docker ? kDockerLayerGzip : kOciLayerGzip},
                             {"digest", layer.digest},
                             {"size", layer.size}});
    // A signature or attestation subject no longer describes these bytes.
    out.erase("subject");
    return out;
}

nlohmann::json index_with_entry(const nlohmann::json& index, const std::string& tag,
                                const std::string& manifest_media_type,
                                const std::string& manifest_digest, uint64_t manifest_size) {
    nlohmann::json out = index.is_object() ? index : nlohmann::json{{"schemaVersion", 2}};
    nlohmann::json kept = nlohmann::json::array();
    if (out["manifests"].is_array())
        for (const auto& entry : out["manifests"]) {
            bool same_tag = entry.is_object() && entry.contains("annotations") &&
                            entry["annotations"].is_object() &&
                            entry["annotations"].value(kRefName, std::string()) == tag;
            if (!same_tag) kept.push_back(entry);
        }
    kept.push_back({{"mediaType", manifest_media_type},
                    {"digest", manifest_digest},
                    {"size", manifest_size},
                    {"annotations", {{kRefName, tag}}}});
    out["manifests"] = kept;
    return out;
}

namespace {

Result<FixedImage> write_oci(const ImageSource& input, const ImageTarget& target,
                             const WrittenLayer& layer, const std::string& config_bytes,
                             const std::string& config_digest, nlohmann::json manifest) {
    std::error_code error;
    fs::create_directories(target.path / "blobs" / "sha256", error);
    if (error)
        return Error{fmt::format("{}: cannot create: {}", target.path.string(), error.message())};
    if (!fs::exists(target.path / "oci-layout"))
        if (Status status =
                write_atomically(target.path / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
            !status.ok())
            return status.error();
    for (size_t index = 0; index < input.metadata().layers.size(); ++index) {
        std::string digest = input.expected_layer_digest(index);
        if (!is_sha256_digest(digest))
            return Error{
                fmt::format("{}: layer {} has no usable digest", input.metadata().ref, index)};
        if (fs::exists(blob_path(target.path, digest))) continue;
        if (Status copied = copy_layer_blob(input, index, blob_path(target.path, digest));
            !copied.ok())
            return copied.error();
    }
    fs::path layer_blob = blob_path(target.path, layer.digest);
    if (!fs::exists(layer_blob)) {
        fs::copy_file(layer.file, layer_blob, error);
        if (error)
            return Error{fmt::format("{}: cannot write: {}", layer_blob.string(), error.message())};
    }
    if (Status status = put_blob(target.path, config_digest, config_bytes); !status.ok())
        return status.error();
    std::string manifest_bytes = json_bytes(manifest);
    std::string manifest_digest = sha256_digest(manifest_bytes);
    if (Status status = put_blob(target.path, manifest_digest, manifest_bytes); !status.ok())
        return status.error();
    nlohmann::json index;
    if (fs::exists(target.path / "index.json")) {
        auto text = read_small_file(target.path / "index.json", kMaxImageDocumentBytes,
                                    target.ref() + ": index.json");
        if (!text) return text.error();
        index = nlohmann::json::parse(*text, nullptr, false);
        if (!index.is_object())
            return Error{fmt::format("{}: index.json is not a JSON object", target.path.string())};
    }
    std::string media_type = manifest.value("mediaType", std::string(kOciManifest));
    index = index_with_entry(index, target.tag, media_type, manifest_digest, manifest_bytes.size());
    if (Status status = write_atomically(target.path / "index.json", json_bytes(index));
        !status.ok())
        return status.error();
    return FixedImage{target.ref(), manifest_digest, config_digest};
}

// Pushes what the registry lacks: the input's layers (when the target repository has not got
// them), the new layer, the config, then the manifest under the tag — last, so that a refused
// or failed push leaves the tag as it was.
Result<FixedImage> write_registry(const ImageSource& input, const ImageTarget& target,
                                  const WrittenLayer& layer, const std::string& config_bytes,
                                  const std::string& config_digest, const nlohmann::json& manifest) {
    RegistryClient client(target.registry, target.registry_options);
    const std::string& repository = target.repository;
    for (size_t index = 0; index < input.metadata().layers.size(); ++index) {
        std::string digest = input.expected_layer_digest(index);
        if (!is_sha256_digest(digest))
            return Error{
                fmt::format("{}: layer {} has no usable digest", input.metadata().ref, index)};
        auto present = client.blob_exists(repository, digest);
        if (!present) return present.error();
        if (*present) continue;
        fs::path copy = layer.file.parent_path() / fmt::format("input-layer-{}.blob", index);
        if (Status copied = copy_layer_blob(input, index, copy); !copied.ok()) return copied.error();
        Status pushed = client.push_blob(repository, digest, copy);
        std::error_code ignored;
        fs::remove(copy, ignored);
        if (!pushed.ok()) return pushed.error();
    }
    if (Status pushed = client.push_blob(repository, layer.digest, layer.file); !pushed.ok())
        return pushed.error();
    if (Status pushed = client.push_blob_bytes(repository, config_digest, config_bytes); !pushed.ok())
        return pushed.error();
    std::string manifest_bytes = json_bytes(manifest);
    std::string media_type = manifest.value("mediaType", std::string(kOciManifest));
    if (Status pushed = client.push_manifest(repository, target.tag, media_type, manifest_bytes);
        !pushed.ok())
        return Error{fmt::format("moat fix: the registry refused the fixed image {}: {}",
                                 target.ref(), pushed.message())};
    return FixedImage{target.ref(), sha256_digest(manifest_bytes), config_digest};
}

// A member of the docker-archive being written.
Status add_member(archive* writer, const std::string& name, uint64_t size,
                  const std::function<Status(archive*)>& write_body) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(size));
    int rc = archive_write_header(writer, entry);
    archive_entry_free(entry);
    if (rc != ARCHIVE_OK) return Error{fmt::format("{}: {}", name, archive_error_string(writer))};
    return write_body(writer);
}

Status write_bytes(archive* writer, const std::string& bytes) {
    if (archive_write_data(writer, bytes.data(), bytes.size()) < 0)
        return Error{archive_error_string(writer) ? archive_error_string(writer)
                                                  : "tar write error"};
    return Status::Ok();
}

Status write_file(archive* writer, const fs::path& file) {
    auto source = open_file_source(file, file.string());
    if (!source) return source.error();
    std::vector<char> buffer(1 << 16);
    for (;;) {
        auto got = (*source)->read(buffer.data(), buffer.size());
        if (!got) return got.error();
        if (*got == 0) return Status::Ok();
        if (archive_write_data(writer, buffer.data(), *got) < 0) return Error{"tar write error"};
    }
}

Result<FixedImage> write_docker_archive(const ImageSource& input, const ImageTarget& target,
                                        const WrittenLayer& layer, const std::string& config_bytes,
                                        const std::string& config_digest,
                                        const nlohmann::json& manifest) {
    // Layers as they are stored go to a scratch copy first: their sizes must be known before
    // their tar headers are written.
    fs::path temp = target.path;
    temp += fmt::format(".moat-tmp-{}", ::getpid());
    fs::path scratch = temp;
    scratch += ".d";
    std::error_code error;
    fs::create_directories(scratch, error);
    struct Cleanup {
        fs::path a, b;
        ~Cleanup() {
            std::error_code ignored;
            fs::remove_all(a, ignored);
            fs::remove(b, ignored);
        }
    } cleanup{scratch, temp};
    nlohmann::json layer_names = nlohmann::json::array();
    std::vector<std::pair<std::string, fs::path>> members;
    for (size_t index = 0; index < input.metadata().layers.size(); ++index) {
        std::string digest = input.expected_layer_digest(index);
        if (!is_sha256_digest(digest))
            return Error{
                fmt::format("{}: layer {} has no usable digest", input.metadata().ref, index)};
        fs::path copy = scratch / std::string(digest_hex(digest));
        if (Status copied = copy_layer_blob(input, index, copy); !copied.ok())
            return copied.error();
        std::string name = "blobs/sha256/" + std::string(digest_hex(digest));
        layer_names.push_back(name);
        members.emplace_back(name, copy);
    }
    std::string layer_name = "blobs/sha256/" + std::string(digest_hex(layer.digest));
    layer_names.push_back(layer_name);
    members.emplace_back(layer_name, layer.file);
    std::string config_name = "blobs/sha256/" + std::string(digest_hex(config_digest));
    nlohmann::json archive_manifest =
        nlohmann::json::array({{{"Config", config_name},
                                {"RepoTags", nlohmann::json::array({target.tag})},
                                {"Layers", layer_names}}});
    std::string manifest_bytes = json_bytes(manifest);
    std::string manifest_digest = sha256_digest(manifest_bytes);

    std::unique_ptr<archive, int (*)(archive*)> writer(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(writer.get());
    if (archive_write_open_filename(writer.get(), temp.c_str()) != ARCHIVE_OK)
        return Error{
            fmt::format("{}: cannot write: {}", temp.string(), archive_error_string(writer.get()))};
    auto fail = [&](const Status& status) {
        return Error{fmt::format("{}: {}", target.path.string(), status.message())};
    };
    std::string archive_manifest_bytes = json_bytes(archive_manifest);
    if (Status s = add_member(writer.get(), "manifest.json", archive_manifest_bytes.size(),
                              [&](archive* w) { return write_bytes(w, archive_manifest_bytes); });
        !s.ok())
        return fail(s);
    if (Status s = add_member(writer.get(), config_name, config_bytes.size(),
                              [&](archive* w) { return write_bytes(w, config_bytes); });
        !s.ok())
        return fail(s);
    std::set<std::string> seen;
    for (const auto& [name, file] : members) {
        if (!seen.insert(name).second) continue;
        uint64_t size = fs::file_size(file, error);
        if (Status s = add_member(writer.get(), name, size,
                                  [&](archive* w) { return write_file(w, file); });
            !s.ok())
            return fail(s);
    }
    if (archive_write_close(writer.get()) != ARCHIVE_OK)
        return Error{
            fmt::format("{}: cannot write: {}", temp.string(), archive_error_string(writer.get()))};
    fs::rename(temp, target.path, error);
    if (error)
        return Error{fmt::format("{}: cannot write: {}", target.path.string(), error.message())};
    return FixedImage{target.ref(), manifest_digest, config_digest};
}

}  // namespace

Result<FixedImage> write_fixed_image(const ImageSource& input, const ImageTarget& target,
                                     const WrittenLayer& layer, const HistoryNote& note) {
    nlohmann::json config = fixed_config(input.metadata().config, layer.diff_id, note);
    std::string config_bytes = json_bytes(config);
    std::string config_digest = sha256_digest(config_bytes);
    auto manifest = input_manifest(input);
    if (!manifest) return manifest.error();
    if (manifest->is_null()) {
        // Registry inputs keep their family: docker layer types go with a docker manifest.
        const auto& layers = input.metadata().layers;
        bool docker_layers = !layers.empty() && layers.front().media_type.find("vnd.docker.") !=
                                                    std::string::npos;
        std::string type = target.kind == ImageTarget::Kind::DockerArchive || docker_layers
                               ? kDockerManifest
                               : kOciManifest;
        auto built = manifest_from_layers(input, type);
        if (!built) return built.error();
        *manifest = std::move(*built);
    }
    nlohmann::json new_manifest =
        fixed_manifest(*manifest, config_digest, config_bytes.size(), layer);
    if (target.kind == ImageTarget::Kind::OciLayout)
        return write_oci(input, target, layer, config_bytes, config_digest, new_manifest);
    if (target.kind == ImageTarget::Kind::Registry)
        return write_registry(input, target, layer, config_bytes, config_digest, new_manifest);
    return write_docker_archive(input, target, layer, config_bytes, config_digest, new_manifest);
}

}  // namespace moat::fix
