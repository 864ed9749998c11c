// docker-archive:FILE[:NAME:TAG] — `docker save` output: manifest.json lists each image's config
// and layer files. Both the legacy layout (<id>/layer.tar, often symlinks to <diffid>.tar) and
// the OCI layout that Docker 25+ writes inside the tar (blobs/sha256/<hex>) are read.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "image/digest.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/path.h"
#include "image/tar_stream.h"

namespace moat {
namespace {

namespace fs = std::filesystem;
constexpr size_t kMaxDocumentsTotal = 64 << 20;
constexpr int kMaxLinkHops = 16;

struct ArchiveCloser {
    void operator()(archive* handle) const { archive_read_free(handle); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

Result<ArchivePtr> open_outer(const fs::path& file, const std::string& ref) {
    ArchivePtr handle(archive_read_new());
    archive_read_support_filter_gzip(handle.get());
    archive_read_support_filter_zstd(handle.get());
    archive_read_support_format_tar(handle.get());
    if (archive_read_open_filename(handle.get(), file.c_str(), 256 * 1024) != ARCHIVE_OK)
        return Error{fmt::format("{}: cannot read as a tar archive: {}", ref,
                                 archive_error_string(handle.get()))};
    return handle;
}

// `docker save | gzip` archives are read through a decompressor, so the outer stream gets the
// same decompression-bomb limit as layers (TarStream): a few MB must not inflate to many GB.
Status check_outer_expansion(archive* handle, const std::string& ref) {
    const TarStreamLimits limits;
    la_int64_t expanded = archive_filter_bytes(handle, 0);
    la_int64_t raw = archive_filter_bytes(handle, -1);
    if (expanded > 0 && static_cast<uint64_t>(expanded) > limits.expansion_floor &&
        static_cast<uint64_t>(expanded) / (static_cast<uint64_t>(std::max<la_int64_t>(raw, 0)) + 1) >
            limits.max_expansion_ratio)
        return Error{fmt::format("{}: expands to more than {} times its compressed size ({} bytes from {}); "
                                 "refusing a likely decompression bomb",
                                 ref, limits.max_expansion_ratio, expanded, raw)};
    return Status::Ok();
}

// Moves to the next member, skipping the current one's body in blocks so that the bomb check
// runs while it is decompressed. `entry` is null at the end of the archive.
Status next_member(archive* handle, archive_entry*& entry, bool& inside_member, const std::string& ref) {
    if (inside_member) {
        const void* data = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        for (;;) {
            int rc = archive_read_data_block(handle, &data, &size, &offset);
            if (rc == ARCHIVE_EOF) break;
            if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
                return Error{fmt::format("{}: damaged archive: {}", ref, archive_error_string(handle))};
            if (Status status = check_outer_expansion(handle, ref); !status.ok()) return status;
        }
    }
    int rc = archive_read_next_header(handle, &entry);
    inside_member = rc == ARCHIVE_OK || rc == ARCHIVE_WARN;
    if (rc == ARCHIVE_EOF) {
        entry = nullptr;
        return Status::Ok();
    }
    if (!inside_member) return Error{fmt::format("{}: damaged archive: {}", ref, archive_error_string(handle))};
    return check_outer_expansion(handle, ref);
}

// A member of the outer archive, streamed from an archive handle positioned on it.
class ArchiveMemberSource : public ByteSource {
public:
    ArchiveMemberSource(ArchivePtr handle, std::string description)
        : handle_(std::move(handle)), description_(std::move(description)) {}
    Result<size_t> read(void* buffer, size_t size) override {
        la_ssize_t got = archive_read_data(handle_.get(), buffer, size);
        if (got < 0)
            return Error{fmt::format("{}: truncated or damaged archive: {}", description_,
                                     archive_error_string(handle_.get()))};
        if (Status status = check_outer_expansion(handle_.get(), description_); !status.ok())
            return status.error();
        return static_cast<size_t>(got);
    }
    const std::string& description() const override { return description_; }

private:
    ArchivePtr handle_;
    std::string description_;
};

struct ImageEntry {
    std::string config;
    std::vector<std::string> repo_tags;
    std::vector<std::string> layers;
};

class DockerArchiveSource : public ImageSource {
public:
    DockerArchiveSource(fs::path file, std::string ref) : file_(std::move(file)), ref_(std::move(ref)) {}

    const ImageMetadata& metadata() const override { return metadata_; }
    std::string expected_layer_digest(size_t index) const override {
        return metadata_.layers.at(index).digest;
    }

    Result<std::unique_ptr<ByteSource>> open_layer(size_t index) const override {
        const std::string& member = layer_members_.at(index);
        std::string description = fmt::format("{}: layer {} ({})", ref_, member,
                                              metadata_.layers[index].digest);
        auto handle = open_outer(file_, ref_);
        if (!handle) return handle.error();
        archive_entry* entry = nullptr;
        bool inside_member = false;
        for (;;) {
            if (Status status = next_member(handle->get(), entry, inside_member, ref_); !status.ok())
                return status.error();
            if (!entry) break;
            auto name = normalize_image_path(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
            if (name && *name == member && archive_entry_filetype(entry) == AE_IFREG)
                return std::unique_ptr<ByteSource>(
                    new ArchiveMemberSource(std::move(*handle), description));
        }
        return Error{description + ": not in the archive"};
    }

    Status load(const std::string& wanted_ref) {
        if (Status status = scan(); !status.ok()) return status;
        auto manifest_text = documents_.find("manifest.json");
        if (manifest_text == documents_.end())
            return Error{fmt::format("{}: not a docker-archive (no manifest.json)", ref_)};
        auto images = parse_manifest_json(manifest_text->second);
        if (!images) return images.error();
        auto chosen = choose(*images, wanted_ref);
        if (!chosen) return chosen.error();
        return load_image(*chosen);
    }

private:
    // One pass over the outer tar: remember every member, its symlinks, and the bodies of the
    // small JSON documents (manifest.json, index.json, configs, OCI manifests).
    Status scan() {
        auto handle = open_outer(file_, ref_);
        if (!handle) return handle.error();
        size_t kept = 0;
        archive_entry* entry = nullptr;
        bool inside_member = false;
        for (;;) {
            if (Status status = next_member(handle->get(), entry, inside_member, ref_); !status.ok())
                return status;
            if (!entry) break;
            const char* raw = archive_entry_pathname(entry);
            auto name = normalize_image_path(raw ? raw : "");
            if (!name || name->empty()) continue;
            auto type = archive_entry_filetype(entry);
            if (type == AE_IFLNK && archive_entry_symlink(entry)) {
                symlinks_[*name] = resolve_link_target(*name, archive_entry_symlink(entry));
                continue;
            }
            if (type != AE_IFREG) continue;
            members_.insert(*name);
            la_int64_t size = archive_entry_size(entry);
            bool document = name->ends_with(".json") || name->rfind("blobs/", 0) == 0;
            if (!document || size < 0 || static_cast<size_t>(size) > kMaxImageDocumentBytes ||
                kept + size > kMaxDocumentsTotal)
                continue;
            std::string body(static_cast<size_t>(size), '\0');
            la_ssize_t got = archive_read_data(handle->get(), body.data(), body.size());
            if (got != size)
                return Error{fmt::format("{}: {} is truncated", ref_, *name)};
            kept += body.size();
            documents_[*name] = std::move(body);
        }
        return Status::Ok();
    }

    // Follows symlinks between members ("<id>/layer.tar -> ../<diffid>.tar").
    Result<std::string> resolve_member(const std::string& listed) const {
        auto normalized = normalize_image_path(listed);
        if (!normalized)
            return Error{fmt::format("{}: manifest.json names {}, outside the archive", ref_, listed)};
        std::string name = *normalized;
        for (int hop = 0; hop < kMaxLinkHops; ++hop) {
            if (members_.count(name)) return name;
            auto link = symlinks_.find(name);
            if (link == symlinks_.end()) break;
            name = link->second;
        }
        return Error{fmt::format("{}: manifest.json lists {}, which is not in the archive", ref_, listed)};
    }

    Result<std::vector<ImageEntry>> parse_manifest_json(const std::string& text) const {
        auto document = nlohmann::json::parse(text, nullptr, false);
        if (document.is_discarded() || !document.is_array())
            return Error{fmt::format("{}: manifest.json is not a JSON array", ref_)};
        std::vector<ImageEntry> out;
        for (const auto& node : document) {
            if (!node.is_object() || !node.contains("Config") || !node["Config"].is_string() ||
                !node.contains("Layers") || !node["Layers"].is_array())
                return Error{fmt::format("{}: manifest.json: an entry lacks Config or Layers", ref_)};
            ImageEntry image;
            image.config = node["Config"].get<std::string>();
            for (const auto& layer : node["Layers"]) {
                if (!layer.is_string())
                    return Error{fmt::format("{}: manifest.json: a layer is not a string", ref_)};
                image.layers.push_back(layer.get<std::string>());
            }
            if (auto tags = node.find("RepoTags"); tags != node.end() && tags->is_array())
                for (const auto& tag : *tags)
                    if (tag.is_string()) image.repo_tags.push_back(tag.get<std::string>());
            out.push_back(std::move(image));
        }
        if (out.empty()) return Error{fmt::format("{}: manifest.json lists no image", ref_)};
        return out;
    }

    static bool tag_matches(const std::string& listed, const std::string& wanted) {
        return listed == wanted || listed == "docker.io/" + wanted ||
               listed == "docker.io/library/" + wanted;
    }

    Result<ImageEntry> choose(const std::vector<ImageEntry>& images, const std::string& wanted) const {
        std::string all_tags;
        for (const auto& image : images)
            for (const auto& tag : image.repo_tags) all_tags += (all_tags.empty() ? "" : ", ") + tag;
        if (wanted.empty()) {
            if (images.size() == 1) return images.front();
            return Error{fmt::format(
                "{}: the archive holds {} images; name one as docker-archive:FILE:NAME:TAG (tags: {})",
                ref_, images.size(), all_tags.empty() ? "none" : all_tags)};
        }
        for (const auto& image : images)
            for (const auto& tag : image.repo_tags)
                if (tag_matches(tag, wanted)) return image;
        return Error{fmt::format("{}: no image tagged {} in the archive (tags: {})", ref_, wanted,
                                 all_tags.empty() ? "none" : all_tags)};
    }

    // "blobs/sha256/<hex>" names its own digest; legacy names do not.
    static std::string digest_from_blob_name(const std::string& name) {
        std::string digest = "sha256:" + std::string(base_name(name));
        if (name.rfind("blobs/sha256/", 0) == 0 && is_sha256_digest(digest)) return digest;
        std::string stem(base_name(name));
        if (stem.ends_with(".json")) {
            digest = "sha256:" + stem.substr(0, stem.size() - 5);
            if (is_sha256_digest(digest)) return digest;
        }
        return {};
    }

    Status load_image(const ImageEntry& image) {
        metadata_.ref = ref_;
        metadata_.repo_tags = image.repo_tags;
        auto config_member = resolve_member(image.config);
        if (!config_member) return config_member.error();
        auto config_text = documents_.find(*config_member);
        if (config_text == documents_.end())
            return Error{fmt::format("{}: config {} is too large or unreadable", ref_, image.config)};
        metadata_.config_digest = sha256_digest(config_text->second);
        if (std::string named = digest_from_blob_name(*config_member);
            !named.empty() && named != metadata_.config_digest)
            return Error{fmt::format("{}: config {}: digest mismatch: content hashes to {}", ref_,
                                     *config_member, metadata_.config_digest)};
        metadata_.config = nlohmann::json::parse(config_text->second, nullptr, false);
        if (!metadata_.config.is_object())
            return Error{fmt::format("{}: config {} is not a JSON object", ref_, image.config)};
        std::vector<std::string> diff_ids = config_diff_ids(metadata_.config);
        if (diff_ids.size() != image.layers.size())
            return Error{fmt::format("{}: manifest.json lists {} layers but the config has {} diff_ids",
                                     ref_, image.layers.size(), diff_ids.size())};
        for (size_t i = 0; i < image.layers.size(); ++i) {
            auto member = resolve_member(image.layers[i]);
            if (!member) return member.error();
            std::string digest = digest_from_blob_name(*member);
            if (digest.empty()) digest = diff_ids[i];  // legacy layer.tar: uncompressed, named by diff_id
            if (!is_sha256_digest(digest))
                return Error{fmt::format("{}: layer {} has no valid digest", ref_, image.layers[i])};
            layer_members_.push_back(*member);
            metadata_.layers.push_back(LayerInfo{digest, diff_ids[i], "", 0});
        }
        find_manifest_digest();
        return Status::Ok();
    }

    // Docker 25+ archives carry the OCI manifest too; its digest is the image's identity.
    void find_manifest_digest() {
        auto index = documents_.find("index.json");
        if (index == documents_.end()) return;
        std::vector<Descriptor> pending;
        if (auto entries = parse_index(index->second, ref_)) pending = *entries;
        for (int depth = 0; depth < 4 && !pending.empty(); ++depth) {
            std::vector<Descriptor> next;
            for (const auto& descriptor : pending) {
                auto body = documents_.find("blobs/sha256/" + std::string(digest_hex(descriptor.digest)));
                if (body == documents_.end()) continue;
                if (auto manifest = parse_manifest(body->second, ref_);
                    manifest && manifest->config.digest == metadata_.config_digest) {
                    metadata_.manifest_digest = descriptor.digest;
                    return;
                }
                if (auto nested = parse_index(body->second, ref_))
                    next.insert(next.end(), nested->begin(), nested->end());
            }
            pending = std::move(next);
        }
    }

    fs::path file_;
    std::string ref_;
    ImageMetadata metadata_;
    std::set<std::string> members_;
    std::map<std::string, std::string> symlinks_;
    std::map<std::string, std::string> documents_;
    std::vector<std::string> layer_members_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> open_docker_archive(const std::string& ref,
                                                         const std::string& spec,
                                                         const OpenOptions&) {
    // docker-archive:FILE or docker-archive:FILE:NAME:TAG — FILE is the longest prefix that exists.
    std::string file = spec, wanted;
    if (!fs::exists(spec)) {
        for (size_t colon = spec.find(':'); colon != std::string::npos; colon = spec.find(':', colon + 1)) {
            if (fs::is_regular_file(spec.substr(0, colon))) {
                file = spec.substr(0, colon);
                wanted = spec.substr(colon + 1);
                break;
            }
        }
    }
    if (!fs::exists(file)) return Error{fmt::format("{}: no such file", ref)};
    if (!fs::is_regular_file(file)) return Error{fmt::format("{}: not a regular file", ref)};
    auto source = std::make_unique<DockerArchiveSource>(file, ref);
    if (Status status = source->load(wanted); !status.ok()) return status.error();
    return std::unique_ptr<ImageSource>(std::move(source));
}

}  // namespace moat
