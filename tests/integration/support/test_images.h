// Test support: builds OCI image layouts and docker-archive tarballs programmatically (with
// libarchive) in a per-test scratch directory, and runs the real `moat` binary in a sandbox
// (fresh TMPDIR and working directory) capturing its output, exit status and peak memory.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::testing {

namespace fs = std::filesystem;

// A fresh directory, removed with everything in it when the object goes.
class ScratchDir {
public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const fs::path& path() const { return path_; }
    fs::path operator/(const fs::path& relative) const { return path_ / relative; }

private:
    fs::path path_;
};

enum class Compression { None, Gzip, Zstd };

// Compresses `bytes` into one gzip member or one zstd frame (libarchive's raw format).
std::string compress(std::string_view bytes, Compression compression);
// The bytes a gzip/zstd stream (or plain bytes) expands to, read with libarchive.
std::string decompress(std::string_view bytes);

// Builds an uncompressed tar archive in memory.
class TarBuilder {
public:
    TarBuilder();
    ~TarBuilder();
    TarBuilder(const TarBuilder&) = delete;
    TarBuilder& operator=(const TarBuilder&) = delete;

    TarBuilder& file(const std::string& path, std::string_view content, unsigned mode = 0644);
    TarBuilder& directory(const std::string& path);
    TarBuilder& symlink(const std::string& path, const std::string& target);
    TarBuilder& hardlink(const std::string& path, const std::string& target);
    // The finished archive (end-of-archive blocks included); the builder is then spent.
    std::string finish();

private:
    struct Impl;
    Impl* impl_;
};

// The tar header (pax format, libarchive) of a regular file of `size` bytes, without body.
std::string tar_header_for_regular_file(const std::string& path, uint64_t size);

std::string sha256_of(std::string_view bytes);
void write_file(const fs::path& path, std::string_view bytes);
std::string read_file(const fs::path& path);

// A layer as stored in a registry or layout.
struct Layer {
    std::string tar;  // uncompressed
    std::string blob;  // as stored (compressed or not)
    std::string media_type;
    std::string digest() const { return sha256_of(blob); }
    std::string diff_id() const { return sha256_of(tar); }
};

Layer make_layer(std::string tar, Compression compression = Compression::Gzip);

inline std::string os_release(std::string_view id, std::string_view version_id) {
    return "ID=" + std::string(id) + "\nVERSION_ID=\"" + std::string(version_id) + "\"\n";
}

// The image config for `layers` (architecture, os, rootfs.diff_ids).
nlohmann::json image_config(const std::vector<Layer>& layers, const std::string& os = "linux",
                            const std::string& architecture = "amd64");

// An OCI image layout being written under `root`.
class OciLayoutWriter {
public:
    explicit OciLayoutWriter(fs::path root);
    const fs::path& root() const { return root_; }
    fs::path blob_path(const std::string& digest) const;
    // Writes `bytes` as a blob named by their digest; returns the digest.
    std::string put_blob(std::string_view bytes);
    // Writes config, layers and manifest; returns the manifest's descriptor.
    nlohmann::json put_image(const std::vector<Layer>& layers, const nlohmann::json& config);
    nlohmann::json put_image(const std::vector<Layer>& layers) {
        return put_image(layers, image_config(layers));
    }
    // Writes an image index blob listing `manifests`; returns its descriptor.
    nlohmann::json put_index(const std::vector<nlohmann::json>& manifests);
    // index.json, with each descriptor as given (add annotations before).
    void write_index_json(const std::vector<nlohmann::json>& descriptors);

private:
    fs::path root_;
};

nlohmann::json descriptor(const std::string& media_type, std::string_view bytes);
nlohmann::json with_tag(nlohmann::json descriptor, const std::string& tag);
nlohmann::json with_platform(nlohmann::json descriptor, const std::string& os,
                             const std::string& architecture);

// A single-image OCI layout at `root` tagged "latest"; returns the manifest's descriptor.
nlohmann::json write_oci_image(const fs::path& root, const std::vector<Layer>& layers);

// The members of an outer (docker-archive) tar: regular files and symlinks, in order.
struct ArchiveMember {
    std::string path;
    std::string content;  // regular files
    std::string symlink_target;  // non-empty: a symlink
};
std::string build_outer_tar(const std::vector<ArchiveMember>& members);

// `docker save` output in the legacy layout (<id>/layer.tar, the first one a symlink to
// <diffid>.tar as Docker writes shared layers) tagged `tag`. Layers are stored uncompressed.
std::string legacy_docker_archive(const std::vector<Layer>& layers, const std::string& tag);
// `docker save` output of Docker 25+: an OCI layout in the tar plus manifest.json naming
// blobs/sha256/<hex>. Returns the archive; `manifest_digest` receives the OCI manifest digest.
std::string oci_docker_archive(const std::vector<Layer>& layers, const std::string& tag,
                               std::string* manifest_digest = nullptr);

// One run of the moat CLI.
struct MoatRun {
    int exit_code = -1;  // -1 when the process did not exit normally
    int signal = 0;      // the signal that ended it, if any
    bool timed_out = false;
    std::string out, err;
    long max_rss_kb = 0;
    fs::path tmpdir;  // the TMPDIR moat was given (fresh and empty before the run)
    fs::path cwd;     // its working directory (fresh and empty before the run)

    std::vector<std::string> err_lines() const;
    // Files and directories left in tmpdir or cwd after the run (both should be empty).
    std::vector<std::string> leftovers() const;
    std::string describe() const;  // for assertion messages
};

// Runs `moat ARGS...` with TMPDIR and the working directory set to fresh directories under
// `sandbox`, killing it after `timeout`.
MoatRun run_moat(const std::vector<std::string>& args, const fs::path& sandbox,
                 std::chrono::seconds timeout = std::chrono::seconds(120));

// Every file or link under `root` whose name is `name`.
std::vector<fs::path> find_named(const fs::path& root, const std::string& name);

}  // namespace moat::testing
