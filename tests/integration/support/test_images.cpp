#include "test_images.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "image/digest.h"

extern char** environ;

namespace moat::testing {

using json = nlohmann::json;

namespace {

constexpr const char* kManifestType = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kIndexType = "application/vnd.oci.image.index.v1+json";
constexpr const char* kConfigType = "application/vnd.oci.image.config.v1+json";

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

void check(archive* handle, int rc, const char* what) {
    if (rc < ARCHIVE_WARN)
        fail(std::string(what) + ": " + (archive_error_string(handle) ? archive_error_string(handle) : "?"));
}

// libarchive writes into a std::string through this callback.
struct StringSink {
    std::string bytes;
    bool refuse = false;  // set to make further writes fail (abandons an unfinished entry)
};

la_ssize_t sink_write(archive*, void* client, const void* buffer, size_t length) {
    auto* sink = static_cast<StringSink*>(client);
    if (sink->refuse) return -1;
    sink->bytes.append(static_cast<const char*>(buffer), length);
    return static_cast<la_ssize_t>(length);
}

archive* new_writer(bool pax) {
    archive* writer = archive_write_new();
    if (pax)
        check(writer, archive_write_set_format_pax_restricted(writer), "tar format");
    else
        check(writer, archive_write_set_format_raw(writer), "raw format");
    return writer;
}

archive_entry* new_entry(const std::string& path, int type, unsigned mode, int64_t size) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, path.c_str());
    archive_entry_set_filetype(entry, static_cast<unsigned>(type));
    archive_entry_set_perm(entry, mode);
    archive_entry_set_size(entry, size);
    archive_entry_set_mtime(entry, 1700000000, 0);
    archive_entry_set_uid(entry, 0);
    archive_entry_set_gid(entry, 0);
    return entry;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

ScratchDir::ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "moat-test.XXXXXX").string();
    if (!::mkdtemp(pattern.data())) fail("mkdtemp: " + std::string(std::strerror(errno)));
    path_ = pattern;
}

ScratchDir::~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
}

std::string compress(std::string_view bytes, Compression compression) {
    if (compression == Compression::None) return std::string(bytes);
    StringSink sink;
    archive* writer = new_writer(false);
    if (compression == Compression::Gzip)
        check(writer, archive_write_add_filter_gzip(writer), "gzip filter");
    else
        check(writer, archive_write_add_filter_zstd(writer), "zstd filter");
    archive_write_set_bytes_in_last_block(writer, 1);  // no padding after the compressed stream
    check(writer, archive_write_open(writer, &sink, nullptr, sink_write, nullptr), "open");
    archive_entry* entry = new_entry("data", AE_IFREG, 0644, static_cast<int64_t>(bytes.size()));
    check(writer, archive_write_header(writer, entry), "raw header");
    archive_entry_free(entry);
    size_t done = 0;
    while (done < bytes.size()) {
        la_ssize_t wrote = archive_write_data(writer, bytes.data() + done, bytes.size() - done);
        if (wrote <= 0) check(writer, ARCHIVE_FATAL, "raw data");
        done += static_cast<size_t>(wrote);
    }
    check(writer, archive_write_close(writer), "close");
    archive_write_free(writer);
    return std::move(sink.bytes);
}

std::string decompress(std::string_view bytes) {
    archive* reader = archive_read_new();
    archive_read_support_filter_all(reader);
    archive_read_support_format_raw(reader);
    check(reader, archive_read_open_memory(reader, bytes.data(), bytes.size()), "open");
    archive_entry* entry = nullptr;
    check(reader, archive_read_next_header(reader, &entry), "raw header");
    std::string out;
    char buffer[65536];
    for (;;) {
        la_ssize_t got = archive_read_data(reader, buffer, sizeof buffer);
        if (got < 0) check(reader, ARCHIVE_FATAL, "raw data");
        if (got <= 0) break;
        out.append(buffer, static_cast<size_t>(got));
    }
    archive_read_free(reader);
    return out;
}

struct TarBuilder::Impl {
    StringSink sink;
    archive* writer = nullptr;

    void add(archive_entry* entry, std::string_view content) {
        check(writer, archive_write_header(writer, entry), "tar header");
        archive_entry_free(entry);
        size_t done = 0;
        while (done < content.size()) {
            la_ssize_t wrote = archive_write_data(writer, content.data() + done, content.size() - done);
            if (wrote <= 0) check(writer, ARCHIVE_FATAL, "tar data");
            done += static_cast<size_t>(wrote);
        }
    }
};

TarBuilder::TarBuilder() : impl_(new Impl) {
    impl_->writer = new_writer(true);
    check(impl_->writer, archive_write_add_filter_none(impl_->writer), "no filter");
    check(impl_->writer, archive_write_open(impl_->writer, &impl_->sink, nullptr, sink_write, nullptr),
          "open");
}

TarBuilder::~TarBuilder() {
    if (impl_->writer) archive_write_free(impl_->writer);
    delete impl_;
}

TarBuilder& TarBuilder::file(const std::string& path, std::string_view content, unsigned mode) {
    impl_->add(new_entry(path, AE_IFREG, mode, static_cast<int64_t>(content.size())), content);
    return *this;
}

TarBuilder& TarBuilder::directory(const std::string& path) {
    impl_->add(new_entry(path, AE_IFDIR, 0755, 0), {});
    return *this;
}

TarBuilder& TarBuilder::symlink(const std::string& path, const std::string& target) {
    archive_entry* entry = new_entry(path, AE_IFLNK, 0777, 0);
    archive_entry_set_symlink(entry, target.c_str());
    impl_->add(entry, {});
    return *this;
}

TarBuilder& TarBuilder::hardlink(const std::string& path, const std::string& target) {
    archive_entry* entry = new_entry(path, AE_IFREG, 0644, 0);
    archive_entry_set_hardlink(entry, target.c_str());
    impl_->add(entry, {});
    return *this;
}

std::string TarBuilder::finish() {
    check(impl_->writer, archive_write_close(impl_->writer), "close");
    archive_write_free(impl_->writer);
    impl_->writer = nullptr;
    return std::move(impl_->sink.bytes);
}

std::string tar_header_for_regular_file(const std::string& path, uint64_t size) {
    StringSink sink;
    archive* writer = new_writer(true);
    check(writer, archive_write_add_filter_none(writer), "no filter");
    archive_write_set_bytes_per_block(writer, 0);  // hand every write straight to the sink
    check(writer, archive_write_open(writer, &sink, nullptr, sink_write, nullptr), "open");
    archive_entry* entry = new_entry(path, AE_IFREG, 0644, static_cast<int64_t>(size));
    check(writer, archive_write_header(writer, entry), "tar header");
    archive_entry_free(entry);
    std::string header = sink.bytes;
    // Closing would pad the missing body with zeros; refuse that so the writer gives up at once.
    sink.refuse = true;
    archive_write_free(writer);
    if (header.empty() || header.size() % 512 != 0) fail("unexpected tar header size");
    return header;
}

std::string sha256_of(std::string_view bytes) { return sha256_digest(bytes); }

void write_file(const fs::path& path, std::string_view bytes) {
    if (path.has_parent_path()) fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) fail("cannot write " + path.string());
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Layer make_layer(std::string tar, Compression compression) {
    Layer layer;
    layer.blob = compress(tar, compression);
    layer.tar = std::move(tar);
    switch (compression) {
        case Compression::None: layer.media_type = "application/vnd.oci.image.layer.v1.tar"; break;
        case Compression::Gzip: layer.media_type = "application/vnd.oci.image.layer.v1.tar+gzip"; break;
        case Compression::Zstd: layer.media_type = "application/vnd.oci.image.layer.v1.tar+zstd"; break;
    }
    return layer;
}

json image_config(const std::vector<Layer>& layers, const std::string& os, const std::string& architecture) {
    json diff_ids = json::array();
    for (const auto& layer : layers) diff_ids.push_back(layer.diff_id());
    return {{"architecture", architecture},
            {"os", os},
            {"config", {{"Env", {"PATH=/usr/bin:/bin"}}}},
            {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
}

json descriptor(const std::string& media_type, std::string_view bytes) {
    return {{"mediaType", media_type}, {"digest", sha256_of(bytes)}, {"size", bytes.size()}};
}

json with_tag(json descriptor, const std::string& tag) {
    descriptor["annotations"]["org.opencontainers.image.ref.name"] = tag;
    return descriptor;
}

json with_platform(json descriptor, const std::string& os, const std::string& architecture) {
    descriptor["platform"] = {{"os", os}, {"architecture", architecture}};
    return descriptor;
}

// ---------------------------------------------------------------------------------------------

OciLayoutWriter::OciLayoutWriter(fs::path root) : root_(std::move(root)) {
    fs::create_directories(root_ / "blobs" / "sha256");
    write_file(root_ / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
}

fs::path OciLayoutWriter::blob_path(const std::string& digest) const {
    return root_ / "blobs" / "sha256" / digest.substr(7);
}

std::string OciLayoutWriter::put_blob(std::string_view bytes) {
    std::string digest = sha256_of(bytes);
    write_file(blob_path(digest), bytes);
    return digest;
}

json OciLayoutWriter::put_image(const std::vector<Layer>& layers, const json& config) {
    std::string config_text = config.dump();
    put_blob(config_text);
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", kManifestType},
                     {"config", descriptor(kConfigType, config_text)},
                     {"layers", json::array()}};
    for (const auto& layer : layers) {
        put_blob(layer.blob);
        manifest["layers"].push_back(descriptor(layer.media_type, layer.blob));
    }
    std::string manifest_text = manifest.dump();
    put_blob(manifest_text);
    return descriptor(kManifestType, manifest_text);
}

json OciLayoutWriter::put_index(const std::vector<json>& manifests) {
    json index = {{"schemaVersion", 2}, {"mediaType", kIndexType}, {"manifests", manifests}};
    std::string text = index.dump();
    put_blob(text);
    return descriptor(kIndexType, text);
}

void OciLayoutWriter::write_index_json(const std::vector<json>& descriptors) {
    json index = {{"schemaVersion", 2}, {"mediaType", kIndexType}, {"manifests", descriptors}};
    write_file(root_ / "index.json", index.dump(2));
}

json write_oci_image(const fs::path& root, const std::vector<Layer>& layers) {
    OciLayoutWriter layout(root);
    json manifest = layout.put_image(layers);
    layout.write_index_json({with_tag(manifest, "latest")});
    return manifest;
}

// ---------------------------------------------------------------------------------------------

std::string build_outer_tar(const std::vector<ArchiveMember>& members) {
    TarBuilder tar;
    for (const auto& member : members) {
        if (!member.symlink_target.empty())
            tar.symlink(member.path, member.symlink_target);
        else
            tar.file(member.path, member.content);
    }
    return tar.finish();
}

std::string legacy_docker_archive(const std::vector<Layer>& layers, const std::string& tag) {
    std::vector<ArchiveMember> members;
    json config = image_config(layers);
    std::string config_text = config.dump();
    std::string config_name = sha256_of(config_text).substr(7) + ".json";
    json listed = json::array();
    std::string last_id;
    for (size_t i = 0; i < layers.size(); ++i) {
        std::string id = sha256_of("layer-id-" + std::to_string(i) + layers[i].diff_id()).substr(7);
        last_id = id;
        members.push_back({id + "/VERSION", "1.0", ""});
        members.push_back({id + "/json", json{{"id", id}}.dump(), ""});
        if (i == 0) {
            // As Docker stores a layer shared between images: the body under its diff_id.
            std::string shared = layers[i].diff_id().substr(7) + ".tar";
            members.push_back({shared, layers[i].tar, ""});
            members.push_back({id + "/layer.tar", "", "../" + shared});
        } else {
            members.push_back({id + "/layer.tar", layers[i].tar, ""});
        }
        listed.push_back(id + "/layer.tar");
    }
    members.push_back({config_name, config_text, ""});
    json manifest = json::array({{{"Config", config_name}, {"RepoTags", {tag}}, {"Layers", listed}}});
    members.push_back({"manifest.json", manifest.dump(), ""});
    auto colon = tag.rfind(':');
    members.push_back(
        {"repositories", json{{tag.substr(0, colon), {{tag.substr(colon + 1), last_id}}}}.dump(), ""});
    return build_outer_tar(members);
}

std::string oci_docker_archive(const std::vector<Layer>& layers, const std::string& tag,
                               std::string* manifest_digest) {
    std::vector<ArchiveMember> members;
    auto blob = [&](std::string_view bytes) {
        std::string name = "blobs/sha256/" + sha256_of(bytes).substr(7);
        members.push_back({name, std::string(bytes), ""});
        return name;
    };
    std::string config_text = image_config(layers).dump();
    std::string config_name = blob(config_text);
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", kManifestType},
                     {"config", descriptor(kConfigType, config_text)},
                     {"layers", json::array()}};
    json listed = json::array();
    for (const auto& layer : layers) {
        listed.push_back(blob(layer.blob));
        manifest["layers"].push_back(descriptor(layer.media_type, layer.blob));
    }
    std::string manifest_text = manifest.dump();
    blob(manifest_text);
    if (manifest_digest) *manifest_digest = sha256_of(manifest_text);
    json index_entry = descriptor(kManifestType, manifest_text);
    index_entry["annotations"] = {{"io.containerd.image.name", "docker.io/library/" + tag},
                                  {"org.opencontainers.image.ref.name", tag.substr(tag.rfind(':') + 1)}};
    members.push_back({"index.json",
                       json{{"schemaVersion", 2}, {"mediaType", kIndexType}, {"manifests", {index_entry}}}.dump(),
                       ""});
    members.push_back({"manifest.json",
                       json::array({{{"Config", config_name}, {"RepoTags", {tag}}, {"Layers", listed}}}).dump(),
                       ""});
    members.push_back({"oci-layout", R"({"imageLayoutVersion":"1.0.0"})", ""});
    return build_outer_tar(members);
}

// ---------------------------------------------------------------------------------------------

std::vector<std::string> MoatRun::err_lines() const {
    std::vector<std::string> lines;
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::vector<std::string> MoatRun::leftovers() const {
    std::vector<std::string> out;
    for (const auto& dir : {tmpdir, cwd}) {
        std::error_code error;
        for (auto it = fs::recursive_directory_iterator(dir, error); !error && it != fs::recursive_directory_iterator();
             it.increment(error))
            out.push_back(it->path().string());
    }
    return out;
}

std::string MoatRun::describe() const {
    std::ostringstream text;
    text << "exit=" << exit_code << " signal=" << signal << (timed_out ? " TIMED OUT" : "")
         << " max_rss_kb=" << max_rss_kb << "\n--- stderr ---\n"
         << err << "--- stdout (first 2000 bytes) ---\n"
         << out.substr(0, 2000);
    return text.str();
}

MoatRun run_moat(const std::vector<std::string>& args, const fs::path& sandbox, std::chrono::seconds timeout) {
    static int run_number = 0;
    MoatRun run;
    // Two levels deep so that "../../x" from either directory still lands inside the sandbox.
    fs::path base = sandbox / ("run" + std::to_string(++run_number)) / "work";
    run.cwd = base / "cwd";
    run.tmpdir = base / "tmp";
    fs::create_directories(run.cwd);
    fs::create_directories(run.tmpdir);

    // Everything the child needs is prepared before fork().
    std::vector<std::string> argv_storage{MOAT_BINARY};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_storage;
    for (char** entry = environ; *entry; ++entry)
        if (std::strncmp(*entry, "TMPDIR=", 7) != 0) env_storage.emplace_back(*entry);
    env_storage.push_back("TMPDIR=" + run.tmpdir.string());
    std::vector<char*> envp;
    for (auto& entry : env_storage) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::string cwd = run.cwd.string();

    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) fail("pipe2");
    pid_t pid = ::fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
        int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
        if (::chdir(cwd.c_str()) != 0) ::_exit(126);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);

    auto deadline = std::chrono::steady_clock::now() + timeout;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&run.out, &run.err};
    int open_fds = 2;
    char buffer[65536];
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 && !run.timed_out) {
            run.timed_out = true;
            ::kill(pid, SIGKILL);
        }
        int ready = ::poll(fds, 2, run.timed_out ? 1000 : static_cast<int>(std::min<long>(left.count(), 1000)));
        if (ready < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
            if (got > 0) {
                sinks[i]->append(buffer, static_cast<size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
    run.max_rss_kb = usage.ru_maxrss;
    return run;
}

std::vector<fs::path> find_named(const fs::path& root, const std::string& name) {
    std::vector<fs::path> found;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error))
        if (it->path().filename() == name) found.push_back(it->path());
    return found;
}

}  // namespace moat::testing
