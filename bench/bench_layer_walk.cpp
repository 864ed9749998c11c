// Layer-walk benchmark: moat's full inventory walk (open_image + InventoryScanner with the
// default analyzers) against the physical floor of the same layers, timed in one process.
// The floor is what any scanner must do to see the tar: raw-inflate the gzip blobs with zlib
// (no tar parsing, no CRC-32, which libarchive does not compute either), or plainly read the
// uncompressed layer members of a docker-archive. Also printed, as a reference: the SHA-256 of
// the stored bytes, which moat must compute to verify each layer and the floor does not.
// Peak RSS comes from a walk-only child (wait4 rusage), forked by a helper started before this
// process grows, so the figure is the walk's own and not this process's high-water mark.
//
//   bench_layer_walk [--image-dir DIR] [--runs N] [--files N] [--large] [--cases LIST]
//                    [--work-dir DIR] [--keep]
//
// Cases (--cases takes a comma-separated subset):
//   test-oci     the real test image of ../shared/tools/make-test-image.sh, OCI layout, gzip
//   test-docker  the same image as a docker-archive (uncompressed layers)
//   gen-small    generated here: an OCI layout of --files (100,000) small files (0-4 KiB) in
//                two gzip layers, with a dpkg database, os-release, symlinks and whiteouts
//   gen-large    only with --large: gen-small plus a third layer of 2 GiB (uncompressed) of
//                incompressible data, to show that peak RSS does not grow with layer size
//
// The test image directory (holding oci/ and image.tar) is --image-dir, else
// $MOAT_BENCH_IMAGE_DIR, else it is built with make-test-image.sh (root and network needed,
// ~1.5 min) into a temp dir that is removed at exit. Generated images go to a temp dir under
// --work-dir (default $TMPDIR or /tmp), removed at exit unless --keep.
//
// Times are the best of --runs (5), walk and floor runs alternating. Wall time is the figure of
// record; CPU time is printed beside it because on a shared machine other processes' load
// inflates wall time but not CPU time.
//
// Goals, printed beside the figures and never asserted: walk/floor <= 1.2, peak RSS < 256 MB.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "image/digest.h"
#include "image/image.h"
#include "scanner/inventory_scanner.h"
#include "support/bench_image.h"

namespace {

using namespace moat::bench;
namespace fs = std::filesystem;
using json = nlohmann::json;
using moat::Error;
using moat::Result;
using moat::Status;

constexpr double kGoalRatio = 1.2;
constexpr double kGoalRssMb = 256;


// ---------------------------------------------------------------------------------------------
// The walk: what `moat sbom` does to an image, minus the report.

struct WalkOutcome {
    bool ok = false;
    std::string error;
    size_t packages = 0;
    size_t warnings = 0;
    std::string os;
};

WalkOutcome walk_image(const std::string& ref) {
    WalkOutcome outcome;
    auto source = moat::open_image(ref, moat::OpenOptions{});
    if (!source) {
        outcome.error = source.error().message;
        return outcome;
    }
    moat::InventoryScanner scanner(moat::default_package_analyzers());
    auto inventory = scanner.scan(**source);
    if (!inventory) {
        outcome.error = inventory.error().message;
        return outcome;
    }
    outcome.ok = true;
    outcome.packages = inventory->packages.size();
    outcome.warnings = inventory->warnings.size();
    if (inventory->os) outcome.os = inventory->os->family + " " + inventory->os->version;
    return outcome;
}

// ---------------------------------------------------------------------------------------------
// Walk-only children for an honest peak RSS. A forked child inherits its parent's resident
// pages (and exec keeps the old high-water mark), so children are forked by a helper that was
// itself forked at startup, when this process held only its code and libraries.

bool write_all(int fd, const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
        ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0) return false;
        done += static_cast<size_t>(wrote);
    }
    return true;
}

// Reads up to and excluding '\n'; false at end of file.
bool read_line(int fd, std::string& line) {
    line.clear();
    for (;;) {
        char c = 0;
        ssize_t got = ::read(fd, &c, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return !line.empty();
        if (c == '\n') return true;
        line.push_back(c);
    }
}

std::string read_all(int fd) {
    std::string out;
    char buffer[4096];
    for (;;) {
        ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return out;
        out.append(buffer, static_cast<size_t>(got));
    }
}

struct ChildWalk {
    bool ok = false;
    std::string error;
    double seconds = 0;
    long peak_rss_kb = 0;  // wait4's ru_maxrss of the walk-only child
};

class WalkChildSpawner {
public:
    // Call first thing in main(), before the process allocates anything large.
    bool start() {
        int requests[2], replies[2];
        if (::pipe(requests) != 0 || ::pipe(replies) != 0) return false;
        std::fflush(nullptr);
        pid_t pid = ::fork();
        if (pid < 0) return false;
        if (pid == 0) {
            ::close(requests[1]);
            ::close(replies[0]);
            serve(requests[0], replies[1]);
            ::_exit(0);
        }
        ::close(requests[0]);
        ::close(replies[1]);
        helper_ = pid;
        request_fd_ = requests[1];
        reply_fd_ = replies[0];
        return true;
    }

    ChildWalk walk(const std::string& ref) {
        ChildWalk out;
        std::string reply;
        if (helper_ <= 0 || !write_all(request_fd_, ref + "\n") || !read_line(reply_fd_, reply)) {
            out.error = "the walk helper is not running";
            return out;
        }
        // "<peak_kb> <seconds> ok" or "<peak_kb> <seconds> error <message>"
        char status[16] = {};
        int consumed = 0;
        if (std::sscanf(reply.c_str(), "%ld %lf %15s %n", &out.peak_rss_kb, &out.seconds, status,
                        &consumed) < 3) {
            out.error = "unreadable reply from the walk helper: " + reply;
            return out;
        }
        out.ok = std::string(status) == "ok";
        if (!out.ok) out.error = reply.substr(static_cast<size_t>(consumed));
        return out;
    }

    void stop() {
        if (helper_ <= 0) return;
        ::close(request_fd_);
        ::close(reply_fd_);
        ::waitpid(helper_, nullptr, 0);
        helper_ = -1;
    }

private:
    static void serve(int request_fd, int reply_fd) {
        std::string ref;
        while (read_line(request_fd, ref)) {
            int result[2];
            if (::pipe(result) != 0) {
                write_all(reply_fd, "0 0 error pipe: " + errno_text() + "\n");
                continue;
            }
            pid_t child = ::fork();
            if (child == 0) {
                ::close(result[0]);
                auto start = std::chrono::steady_clock::now();
                WalkOutcome outcome = walk_image(ref);
                double elapsed = seconds_since(start);
                std::string line = outcome.ok ? fmt::format("{:.6f} ok", elapsed)
                                              : fmt::format("{:.6f} error {}", elapsed, outcome.error);
                std::replace(line.begin(), line.end(), '\n', ' ');
                write_all(result[1], line);
                ::close(result[1]);
                std::exit(0);  // exit, not _exit: moat's private temp dir is removed at exit
            }
            ::close(result[1]);
            std::string line = child > 0 ? read_all(result[0]) : "0 error fork: " + errno_text();
            ::close(result[0]);
            struct rusage usage {};
            int wait_status = 0;
            if (child > 0) ::wait4(child, &wait_status, 0, &usage);
            if (child > 0 && !(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0))
                line = fmt::format("0 error the walk child died (status {:#x})", wait_status);
            write_all(reply_fd, fmt::format("{} {}\n", usage.ru_maxrss, line));
        }
    }

    pid_t helper_ = -1;
    int request_fd_ = -1;
    int reply_fd_ = -1;
};

// ---------------------------------------------------------------------------------------------
// Where the layer bytes of a docker-archive lie: a minimal reading of the outer tar's headers
// (ustar, pax and GNU long names), done once outside the timings.

struct TarMember {
    char type = '0';
    uint64_t offset = 0;  // of the data
    uint64_t size = 0;
    std::string link;
};

uint64_t tar_number(const char* field, size_t width) {
    if (static_cast<unsigned char>(field[0]) & 0x80) {  // base-256
        uint64_t value = 0;
        for (size_t i = 1; i < width; ++i) value = (value << 8) | static_cast<unsigned char>(field[i]);
        return value;
    }
    uint64_t value = 0;
    for (size_t i = 0; i < width && field[i]; ++i)
        if (field[i] >= '0' && field[i] <= '7') value = value * 8 + static_cast<uint64_t>(field[i] - '0');
    return value;
}

std::string tar_string(const char* field, size_t width) { return std::string(field, strnlen(field, width)); }

std::string lexically_normal(const std::string& path) {
    std::string out = fs::path(path).lexically_normal().generic_string();
    while (out.starts_with("./")) out.erase(0, 2);
    return out;
}

Result<std::map<std::string, TarMember>> index_tar(const fs::path& path) {
    FileReader file(path);
    if (!file.ok()) return Error{fmt::format("{}: cannot open: {}", path.string(), errno_text())};
    std::map<std::string, TarMember> members;
    uint64_t position = 0;
    std::string long_name, long_link;
    char header[512];
    for (;;) {
        if (file.read(header, sizeof header, position) != static_cast<ssize_t>(sizeof header))
            return Error{fmt::format("{}: truncated tar header", path.string())};
        if (std::all_of(header, header + 512, [](char c) { return c == 0; })) break;
        TarMember member;
        member.type = header[156] ? header[156] : '0';
        member.size = tar_number(header + 124, 12);
        member.offset = position + 512;
        std::string name = tar_string(header, 100);
        if (std::memcmp(header + 257, "ustar", 5) == 0 && header[345])
            name = tar_string(header + 345, 155) + "/" + name;
        member.link = tar_string(header + 157, 100);
        position = member.offset + (member.size + 511) / 512 * 512;
        if (member.type == 'x' || member.type == 'L' || member.type == 'K') {
            std::string body(static_cast<size_t>(member.size), '\0');
            if (file.read(body.data(), body.size(), member.offset) != static_cast<ssize_t>(body.size()))
                return Error{fmt::format("{}: truncated extended header", path.string())};
            if (member.type == 'L') long_name = body.c_str();
            if (member.type == 'K') long_link = body.c_str();
            // pax records: "<len> key=value\n"
            for (size_t at = 0; member.type == 'x' && at < body.size();) {
                size_t space = body.find(' ', at);
                size_t length = std::strtoul(body.c_str() + at, nullptr, 10);
                if (space == std::string::npos || length == 0 || at + length > body.size()) break;
                std::string record = body.substr(space + 1, at + length - space - 2);
                if (record.starts_with("path=")) long_name = record.substr(5);
                if (record.starts_with("linkpath=")) long_link = record.substr(9);
                at += length;
            }
            continue;
        }
        if (!long_name.empty()) name = long_name;
        if (!long_link.empty()) member.link = long_link;
        long_name.clear();
        long_link.clear();
        members[lexically_normal(name)] = member;
    }
    return members;
}

struct ArchiveLayer {
    std::string name;
    TarMember member;
};

// The layer members manifest.json lists, symlinks followed.
Result<std::vector<ArchiveLayer>> docker_archive_layers(const fs::path& archive) {
    auto members = index_tar(archive);
    if (!members) return members.error();
    auto manifest = members->find("manifest.json");
    if (manifest == members->end()) return Error{archive.string() + ": no manifest.json"};
    std::string text(static_cast<size_t>(manifest->second.size), '\0');
    FileReader file(archive);
    if (file.read(text.data(), text.size(), manifest->second.offset) != static_cast<ssize_t>(text.size()))
        return Error{archive.string() + ": manifest.json is truncated"};
    json document = json::parse(text, nullptr, false);
    if (!document.is_array() || document.empty() || !document[0].contains("Layers"))
        return Error{archive.string() + ": manifest.json lists no image"};
    std::vector<ArchiveLayer> layers;
    for (const auto& listed : document[0]["Layers"]) {
        std::string name = lexically_normal(listed.get<std::string>());
        for (int hop = 0; hop < 16; ++hop) {
            auto it = members->find(name);
            if (it == members->end()) break;
            if (it->second.type != '2') break;
            name = lexically_normal((fs::path(name).parent_path() / it->second.link).generic_string());
        }
        auto it = members->find(name);
        if (it == members->end() || (it->second.type != '0' && it->second.type != '7'))
            return Error{fmt::format("{}: layer {} is not in the archive", archive.string(), name)};
        layers.push_back(ArchiveLayer{name, it->second});
    }
    return layers;
}

struct SmallImagePlan {
    size_t files = 100000;
    size_t packages = 400;
};

std::string package_name(size_t index) {
    static const char* const kStems[] = {"lib", "python3-", "node-", "perl-", "golang-", "", "fonts-", "x11-"};
    static const char* const kRoots[] = {"ssl", "curl", "xml2", "yaml", "json", "zstd", "lzma", "pcre",
                                         "ffi", "gmp", "idn", "nettle", "tasn", "unistring", "gnutls",
                                         "krb5", "ldap", "sasl", "psl", "ssh", "brotli", "expat"};
    return fmt::format("{}{}{}", kStems[index % 8], kRoots[(index / 8) % 22], index);
}

std::string dpkg_stanza(size_t index, const std::string& version) {
    std::string name = package_name(index);
    return fmt::format(
        "Package: {}\nStatus: install ok installed\nPriority: optional\nSection: libs\n"
        "Installed-Size: {}\nMaintainer: Bench Maintainers <bench@example.invalid>\n"
        "Architecture: amd64\nMulti-Arch: same\nSource: {}-src\nVersion: {}\n"
        "Depends: libc6 (>= 2.36), zlib1g (>= 1:1.2.0)\n"
        "Description: generated package {} for the layer-walk benchmark\n"
        " A package of the generated benchmark image; its files are text of\n"
        " random words and its list file names every one of them.\n\n",
        name, 100 + index * 7, name, version, index);
}

constexpr std::string_view kOsRelease =
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n"
    "VERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n"
    "HOME_URL=\"https://www.debian.org/\"\n";

// Where package `index` puts its file number `n`: varied trees, names and depths.
std::string package_file_path(size_t index, size_t n) {
    std::string name = package_name(index);
    switch ((index + n) % 6) {
        case 0: return fmt::format("usr/lib/python3/dist-packages/{}/sub{}/mod_{}.py", name, n % 7, n);
        case 1: return fmt::format("usr/share/{}/data/{:x}/item-{}.txt", name, n % 13, n);
        case 2: return fmt::format("usr/lib/x86_64-linux-gnu/{}/lib{}_{}.so.1", name, name, n);
        case 3: return fmt::format("etc/{}/conf.d/{:03}-{}.conf", name, n % 50, n);
        case 4: return fmt::format("app/node_modules/{}/lib/{}/index-{}.js", name, n % 5, n);
        default: return fmt::format("usr/share/doc/{}/examples/example{}.md", name, n);
    }
}

// Writes packages [first, last) of the plan into `writer`, with their dpkg .list files.
Status write_packages(LayerWriter& writer, const SmallImagePlan& plan, size_t first, size_t last,
                      const TextCorpus& corpus, FastRandom& random) {
    size_t per_package = plan.files / plan.packages;
    for (size_t index = first; index < last; ++index) {
        size_t count = per_package - 1;  // the .list file is one of the package's files
        if (index == plan.packages - 1) count = plan.files - per_package * (plan.packages - 1) - 1;
        std::string list = "/.\n";
        std::set<std::string> listed_dirs;
        for (size_t n = 0; n < count; ++n) {
            std::string path = package_file_path(index, n);
            size_t size = static_cast<size_t>(random.below(4097));
            if (Status status = writer.file(path, corpus.slice(random, size)); !status.ok()) return status;
            for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
                if (listed_dirs.insert(path.substr(0, slash)).second) list += "/" + path.substr(0, slash) + "\n";
            list += "/" + path + "\n";
            if (n % 50 == 7) {  // shared libraries and scripts come with symlinks
                std::string link = path + ".link";
                if (Status status = writer.symlink(link, path.substr(path.rfind('/') + 1)); !status.ok())
                    return status;
            }
        }
        std::string list_path = fmt::format("var/lib/dpkg/info/{}:amd64.list", package_name(index));
        if (Status status = writer.file(list_path, list); !status.ok()) return status;
    }
    return Status::Ok();
}

struct GeneratedImage {
    fs::path layout;
    std::vector<GeneratedLayer> layers;
};

Result<std::vector<GeneratedLayer>> generate_small_layers(const fs::path& blobs, const SmallImagePlan& plan) {
    FastRandom random(42);
    TextCorpus corpus(random);
    size_t split = plan.packages * 6 / 10;
    std::vector<GeneratedLayer> layers;

    LayerWriter base(blobs, 6);
    std::string status;
    for (size_t index = 0; index < split; ++index) status += dpkg_stanza(index, fmt::format("1.{}-1", index));
    std::vector<std::function<Status()>> base_steps = {
        [&] { return base.file("etc/os-release", kOsRelease); },
        [&] { return base.file("usr/lib/os-release", kOsRelease); },
        [&] { return base.file("etc/debian_version", "12.2\n"); },
        [&] { return base.file("var/lib/dpkg/status", status); },
        [&] { return write_packages(base, plan, 0, split, corpus, random); }};
    for (const auto& step : base_steps)
        if (Status status_of_step = step(); !status_of_step.ok()) return status_of_step.error();
    auto first = base.finish();
    if (!first) return first.error();
    layers.push_back(*first);

    LayerWriter top(blobs, 6);
    status.clear();
    for (size_t index = 0; index < plan.packages; ++index)
        status += dpkg_stanza(index, fmt::format("1.{}-{}", index, index < split && index % 10 == 0 ? 2 : 1));
    std::vector<std::function<Status()>> top_steps = {
        [&] { return top.file("var/lib/dpkg/status", status); },
        [&] { return top.file(fmt::format("usr/share/doc/{}/.wh.examples", package_name(5)), ""); },
        [&] { return top.file(fmt::format("etc/{}/.wh..wh..opq", package_name(3)), ""); },
        [&] { return top.file(fmt::format("etc/{}/conf.d/replaced.conf", package_name(3)), "replaced=1\n"); },
        [&] { return write_packages(top, plan, split, plan.packages, corpus, random); }};
    for (const auto& step : top_steps)
        if (Status status_of_step = step(); !status_of_step.ok()) return status_of_step.error();
    auto second = top.finish();
    if (!second) return second.error();
    layers.push_back(*second);
    return layers;
}

// 2 GiB of incompressible data in four files no analyzer asks for. Level 0 writes deflate's
// stored blocks, which is what any level produces for such data, without the search for matches.
Result<GeneratedLayer> generate_large_layer(const fs::path& blobs) {
    LayerWriter writer(blobs, 0);
    FastRandom random(7);
    constexpr uint64_t kFileBytes = 512ull << 20;
    for (int n = 0; n < 4; ++n) {
        Status status = writer.streamed_file(fmt::format("opt/bench/blob-{}.bin", n), kFileBytes,
                                             [&](unsigned char* out, size_t size) { random.fill(out, size); });
        if (!status.ok()) return status.error();
    }
    if (Status status = writer.file("var/lib/dpkg/status.d/bench", "Package: bench-large\nVersion: 1\n\n");
        !status.ok())
        return status.error();
    return writer.finish();
}

// ---------------------------------------------------------------------------------------------
// Cases and the report.

struct LayerFigures {
    std::string label;
    uint64_t stored = 0;    // bytes as stored (compressed blob, or archive member)
    uint64_t expanded = 0;  // uncompressed tar bytes
};

struct CaseFigures {
    std::string name;
    std::string ref;
    std::string floor_kind;
    std::vector<LayerFigures> layers;
    double walk_s = 0, floor_s = 0, sha_s = 0;
    double walk_cpu_s = 0, floor_cpu_s = 0, sha_cpu_s = 0;
    ChildWalk child;
    long self_peak_rss_kb = 0;  // this process's ru_maxrss after the case (cumulative)
    WalkOutcome outcome;
    std::string error;
    uint64_t stored() const {
        uint64_t total = 0;
        for (const auto& layer : layers) total += layer.stored;
        return total;
    }
    uint64_t expanded() const {
        uint64_t total = 0;
        for (const auto& layer : layers) total += layer.expanded;
        return total;
    }
};

struct Options {
    std::optional<fs::path> image_dir;
    int runs = 5;
    size_t files = 100000;
    bool large = false;
    bool keep = false;
    fs::path work_dir;
    std::set<std::string> cases;
};

// One pass of the floor over every layer; fills `layers` the first time.
using FloorPass = std::function<Status(std::vector<LayerFigures>*)>;

FloorPass oci_floor(const fs::path& layout, const moat::ImageMetadata& metadata) {
    std::vector<fs::path> blobs;
    for (const auto& layer : metadata.layers)
        blobs.push_back(layout / "blobs" / "sha256" / std::string(moat::digest_hex(layer.digest)));
    return [blobs](std::vector<LayerFigures>* layers) -> Status {
        for (const auto& blob : blobs) {
            LayerFigures figures{blob.filename().string().substr(0, 12), 0, 0};
            if (is_gzip_file(blob)) {
                auto inflated = inflate_file(blob);
                if (!inflated) return inflated.error();
                figures.stored = inflated->stored;
                figures.expanded = inflated->expanded;
            } else {  // an uncompressed layer: reading it is the floor
                FileReader file(blob);
                auto read = read_range(file, 0, fs::file_size(blob));
                if (!read) return read.error();
                figures.stored = figures.expanded = *read;
            }
            if (layers) layers->push_back(figures);
        }
        return Status::Ok();
    };
}

FloorPass archive_floor(const fs::path& archive, std::vector<ArchiveLayer> members) {
    return [archive, members](std::vector<LayerFigures>* layers) -> Status {
        FileReader file(archive);
        for (const auto& layer : members) {
            auto read = read_range(file, layer.member.offset, layer.member.size);
            if (!read) return Error{fmt::format("{}: {}: {}", archive.string(), layer.name, read.error().message)};
            if (layers) layers->push_back(LayerFigures{layer.name.substr(0, 12), *read, *read});
        }
        return Status::Ok();
    };
}

// SHA-256 of the stored bytes: the digest check the walk must do and the floor does not.
// Returns the wall and CPU seconds.
std::pair<double, double> time_sha(const std::vector<std::pair<fs::path, std::pair<uint64_t, uint64_t>>>& ranges) {
    Stopwatch watch;
    for (const auto& [path, range] : ranges) {
        FileReader file(path);
        moat::Sha256 hasher;
        (void)read_range(file, range.first, range.second,
                         [&](const unsigned char* data, size_t size) { hasher.update(data, size); });
        (void)hasher.finish_digest();
    }
    return {watch.wall_s(), watch.cpu_s()};
}

void run_case(CaseFigures& figures, const FloorPass& floor,
              const std::vector<std::pair<fs::path, std::pair<uint64_t, uint64_t>>>& sha_ranges,
              const Options& options, WalkChildSpawner& spawner) {
    fmt::print("\n== {}: {}\n", figures.name, figures.ref);
    std::fflush(stdout);
    // Runs alternate walk and floor, so drift in machine load hits both alike; best of N each.
    figures.walk_s = figures.floor_s = figures.sha_s = 1e100;
    figures.walk_cpu_s = figures.floor_cpu_s = figures.sha_cpu_s = 1e100;
    for (int run = 0; run < options.runs; ++run) {
        Stopwatch walk;
        figures.outcome = walk_image(figures.ref);
        double walk_wall = walk.wall_s(), walk_cpu = walk.cpu_s();
        if (!figures.outcome.ok) {
            figures.error = figures.outcome.error;
            return;
        }
        Stopwatch floor_watch;
        if (Status status = floor(run == 0 ? &figures.layers : nullptr); !status.ok()) {
            figures.error = status.message();
            return;
        }
        double floor_wall = floor_watch.wall_s(), floor_cpu = floor_watch.cpu_s();
        auto [sha, sha_cpu] = time_sha(sha_ranges);
        fmt::print("   run {}: walk {:.3f} s (cpu {:.3f}), floor {:.3f} s (cpu {:.3f}), sha256 of stored bytes {:.3f} s "
                   "(cpu {:.3f})\n",
                   run + 1, walk_wall, walk_cpu, floor_wall, floor_cpu, sha, sha_cpu);
        std::fflush(stdout);
        figures.walk_s = std::min(figures.walk_s, walk_wall);
        figures.floor_s = std::min(figures.floor_s, floor_wall);
        figures.walk_cpu_s = std::min(figures.walk_cpu_s, walk_cpu);
        figures.floor_cpu_s = std::min(figures.floor_cpu_s, floor_cpu);
        figures.sha_s = std::min(figures.sha_s, sha);
        figures.sha_cpu_s = std::min(figures.sha_cpu_s, sha_cpu);
    }
    struct rusage self {};
    ::getrusage(RUSAGE_SELF, &self);
    figures.self_peak_rss_kb = self.ru_maxrss;
    figures.child = spawner.walk(figures.ref);
    if (!figures.child.ok) figures.error = "walk-only child: " + figures.child.error;
}

void print_case(const CaseFigures& figures) {
    if (!figures.error.empty()) {
        fmt::print("\n{}: FAILED: {}\n", figures.name, figures.error);
        return;
    }
    fmt::print("\n{} ({}; floor = {})\n", figures.name, figures.ref, figures.floor_kind);
    fmt::print("  {:<14} {:>14} {:>14}\n", "layer", "stored MB", "tar MB");
    for (const auto& layer : figures.layers)
        fmt::print("  {:<14} {:>14.3f} {:>14.3f}\n", layer.label, mb(layer.stored), mb(layer.expanded));
    fmt::print("  {:<14} {:>14.3f} {:>14.3f}\n", "total", mb(figures.stored()), mb(figures.expanded()));
    double ratio = figures.walk_s / figures.floor_s;
    double rss_mb = static_cast<double>(figures.child.peak_rss_kb) / 1024.0;
    fmt::print("  walk (best)        {:8.3f} s   {:8.1f} MB/s of tar   {:8.1f} MB/s stored\n", figures.walk_s,
               mb(figures.expanded()) / figures.walk_s, mb(figures.stored()) / figures.walk_s);
    fmt::print("  floor (best)       {:8.3f} s   {:8.1f} MB/s of tar\n", figures.floor_s,
               mb(figures.expanded()) / figures.floor_s);
    fmt::print("  ratio walk/floor   {:8.2f}     goal <= {:.1f}   {}\n", ratio, kGoalRatio,
               ratio <= kGoalRatio ? "met" : "MISSED");
    fmt::print("  cpu time (best)    walk {:.3f} s, floor {:.3f} s, ratio {:.2f}\n", figures.walk_cpu_s,
               figures.floor_cpu_s, figures.walk_cpu_s / figures.floor_cpu_s);
    fmt::print("  reference: sha256 of the stored bytes {:.3f} s (cpu {:.3f}); walk/(floor+sha256) = {:.2f} "
               "(cpu {:.2f})\n",
               figures.sha_s, figures.sha_cpu_s, figures.walk_s / (figures.floor_s + figures.sha_s),
               figures.walk_cpu_s / (figures.floor_cpu_s + figures.sha_cpu_s));
    fmt::print("  peak RSS (walk-only child, wait4)  {:8.1f} MB   goal < {:.0f} MB   {}\n", rss_mb, kGoalRssMb,
               rss_mb < kGoalRssMb ? "met" : "MISSED");
    fmt::print("  (this process's own ru_maxrss after the case, floors and earlier cases included: {:.1f} MB)\n",
               static_cast<double>(figures.self_peak_rss_kb) / 1024.0);
    fmt::print("  walk-only child took {:.3f} s; inventory: {} packages, os \"{}\", {} warnings\n",
               figures.child.seconds, figures.outcome.packages, figures.outcome.os, figures.outcome.warnings);
}

std::optional<fs::path> find_make_test_image() {
    if (const char* shared = std::getenv("MOAT_SHARED_DIR"); shared && *shared) {
        fs::path script = fs::path(shared) / "tools" / "make-test-image.sh";
        if (fs::exists(script)) return script;
    }
    // The benchmark runs from a build dir inside the repository, which sits beside shared/.
    std::error_code error;
    fs::path here = fs::read_symlink("/proc/self/exe", error).parent_path();
    for (fs::path dir = here; !error && dir.has_relative_path(); dir = dir.parent_path()) {
        fs::path script = dir / "shared" / "tools" / "make-test-image.sh";
        if (fs::exists(script)) return script;
    }
    return std::nullopt;
}

std::optional<fs::path> build_test_image(const fs::path& temp_root) {
    auto script = find_make_test_image();
    if (!script) {
        fmt::print("no test image: set MOAT_BENCH_IMAGE_DIR (or MOAT_SHARED_DIR to find make-test-image.sh)\n");
        return std::nullopt;
    }
    if (::geteuid() != 0) {
        fmt::print("no test image: make-test-image.sh needs root; set MOAT_BENCH_IMAGE_DIR to a built image\n");
        return std::nullopt;
    }
    fs::path out = temp_root / "test-image";
    std::string command = fmt::format("'{}' '{}' --no-oracle >&2", script->string(), out.string());
    fmt::print("building the test image: {} (~1.5 min)\n", command);
    std::fflush(stdout);
    if (std::system(command.c_str()) != 0 || !fs::exists(out / "oci")) {
        fmt::print("no test image: make-test-image.sh failed\n");
        return std::nullopt;
    }
    return out;
}

int usage(const char* program) {
    fmt::print(stderr,
               "usage: {} [--image-dir DIR] [--runs N] [--files N] [--large] [--cases LIST] [--work-dir DIR] "
               "[--keep]\n  cases: test-oci,test-docker,gen-small,gen-large (gen-large needs --large)\n",
               program);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    // Started before anything else, so walk-only children begin from a small process.
    WalkChildSpawner spawner;
    if (!spawner.start()) fmt::print("warning: cannot fork the walk helper; no peak RSS figures\n");

    Options options;
    if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp)
        options.work_dir = tmp;
    else
        options.work_dir = "/tmp";
    if (const char* dir = std::getenv("MOAT_BENCH_IMAGE_DIR"); dir && *dir) options.image_dir = fs::path(dir);
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (arg == "--image-dir") options.image_dir = fs::path(value());
        else if (arg == "--runs") options.runs = std::max(1, std::atoi(value().c_str()));
        else if (arg == "--files") options.files = std::max<size_t>(1000, std::strtoull(value().c_str(), nullptr, 10));
        else if (arg == "--large") options.large = true;
        else if (arg == "--keep") options.keep = true;
        else if (arg == "--work-dir") options.work_dir = value();
        else if (arg == "--cases") {
            std::string list = value();
            for (size_t start = 0; start <= list.size();) {
                size_t comma = std::min(list.find(',', start), list.size());
                if (comma > start) options.cases.insert(list.substr(start, comma - start));
                start = comma + 1;
            }
        } else {
            spawner.stop();
            return usage(argv[0]);
        }
    }
    auto wanted = [&](const std::string& name) {
        if (name == "gen-large" && !options.large) return false;
        return options.cases.empty() || options.cases.count(name) > 0;
    };

    std::string temp_pattern = (options.work_dir / "moat-bench-walk.XXXXXX").string();
    if (!::mkdtemp(temp_pattern.data())) {
        fmt::print(stderr, "cannot create a temp dir under {}: {}\n", options.work_dir.string(), errno_text());
        spawner.stop();
        return 1;
    }
    fs::path temp_root = temp_pattern;

    std::vector<std::string> analyzer_names;
    for (const auto& analyzer : moat::default_package_analyzers()) analyzer_names.emplace_back(analyzer->name());
    fmt::print("bench_layer_walk: best of {} runs; analyzers: os{}{}\n", options.runs,
               analyzer_names.empty() ? "" : ", ", fmt::join(analyzer_names, ", "));
    fmt::print("goals: walk/floor <= {:.1f}, peak RSS < {:.0f} MB\n", kGoalRatio, kGoalRssMb);
    if (double load[1]; ::getloadavg(load, 1) == 1 && load[0] > 0.5 * static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN)))
        fmt::print("note: load average {:.1f} on {} CPUs: wall times include waiting for a CPU; compare the cpu "
                   "figures too\n",
                   load[0], ::sysconf(_SC_NPROCESSORS_ONLN));

    std::vector<CaseFigures> results;

    // Cases 1 and 2: the real test image.
    if (wanted("test-oci") || wanted("test-docker")) {
        if (!options.image_dir) options.image_dir = build_test_image(temp_root);
        if (options.image_dir) {
            fs::path oci = *options.image_dir / "oci";
            if (wanted("test-oci")) {
                CaseFigures figures{"test-oci", fmt::format("oci:{}:1.0", oci.string()), "zlib raw inflate of each blob"};
                auto source = moat::open_image(figures.ref, moat::OpenOptions{});
                if (!source) {
                    figures.error = source.error().message;
                } else {
                    std::vector<std::pair<fs::path, std::pair<uint64_t, uint64_t>>> ranges;
                    for (const auto& layer : (*source)->metadata().layers) {
                        fs::path blob = oci / "blobs" / "sha256" / std::string(moat::digest_hex(layer.digest));
                        ranges.push_back({blob, {0, fs::file_size(blob)}});
                    }
                    run_case(figures, oci_floor(oci, (*source)->metadata()), ranges, options, spawner);
                }
                results.push_back(figures);
            }
            if (wanted("test-docker")) {
                fs::path archive = *options.image_dir / "image.tar";
                CaseFigures figures{"test-docker", "docker-archive:" + archive.string(),
                                    "plain read of the layer members"};
                auto layers = docker_archive_layers(archive);
                if (!layers) {
                    figures.error = layers.error().message;
                } else {
                    std::vector<std::pair<fs::path, std::pair<uint64_t, uint64_t>>> ranges;
                    for (const auto& layer : *layers) ranges.push_back({archive, {layer.member.offset, layer.member.size}});
                    run_case(figures, archive_floor(archive, *layers), ranges, options, spawner);
                }
                results.push_back(figures);
            }
        } else {
            for (std::string name : {"test-oci", "test-docker"})
                if (wanted(name)) {
                    CaseFigures figures;
                    figures.name = name;
                    figures.error = "no test image";
                    results.push_back(figures);
                }
        }
    }

    // Cases 3 and 4: generated images.
    if (wanted("gen-small") || wanted("gen-large")) {
        fs::path layout = temp_root / "generated";
        fs::path blobs = layout / "blobs" / "sha256";
        fs::create_directories(blobs);
        fmt::print("\ngenerating {} small files in two gzip layers under {} ...\n", options.files, layout.string());
        std::fflush(stdout);
        auto start = std::chrono::steady_clock::now();
        SmallImagePlan plan;
        plan.files = options.files;
        plan.packages = std::max<size_t>(10, std::min<size_t>(400, options.files / 250));
        auto small = generate_small_layers(blobs, plan);
        std::vector<std::pair<std::string, json>> tags;
        std::string failure;
        if (!small) {
            failure = small.error().message;
        } else {
            uint64_t files = 0, entries = 0;
            for (const auto& layer : *small) files += layer.files, entries += layer.entries;
            fmt::print("  {} regular files, {} entries in all, {:.1f} s\n", files, entries, seconds_since(start));
            auto descriptor = write_image_documents(blobs, *small);
            if (!descriptor) failure = descriptor.error().message;
            else tags.emplace_back("1.0", *descriptor);
        }
        if (failure.empty() && wanted("gen-large")) {
            fmt::print("generating a 2 GiB layer of incompressible data ...\n");
            std::fflush(stdout);
            start = std::chrono::steady_clock::now();
            auto large = generate_large_layer(blobs);
            if (!large) {
                failure = large.error().message;
            } else {
                fmt::print("  {:.1f} s\n", seconds_since(start));
                std::vector<GeneratedLayer> layers = *small;
                layers.push_back(*large);
                auto descriptor = write_image_documents(blobs, layers);
                if (!descriptor) failure = descriptor.error().message;
                else tags.emplace_back("large", *descriptor);
            }
        }
        if (failure.empty())
            if (Status status = write_index(layout, tags); !status.ok()) failure = status.message();
        for (const auto& [name, tag] : {std::pair<std::string, std::string>{"gen-small", "1.0"}, {"gen-large", "large"}}) {
            if (!wanted(name)) continue;
            CaseFigures figures{name, fmt::format("oci:{}:{}", layout.string(), tag), "zlib raw inflate of each blob"};
            if (!failure.empty()) {
                figures.error = "generating the image: " + failure;
                results.push_back(figures);
                continue;
            }
            auto source = moat::open_image(figures.ref, moat::OpenOptions{});
            if (!source) {
                figures.error = source.error().message;
            } else {
                std::vector<std::pair<fs::path, std::pair<uint64_t, uint64_t>>> ranges;
                for (const auto& layer : (*source)->metadata().layers) {
                    fs::path blob = blobs / std::string(moat::digest_hex(layer.digest));
                    ranges.push_back({blob, {0, fs::file_size(blob)}});
                }
                run_case(figures, oci_floor(layout, (*source)->metadata()), ranges, options, spawner);
            }
            results.push_back(figures);
        }
    }
    spawner.stop();

    fmt::print("\n================ results (best of {} runs) ================\n", options.runs);
    for (const auto& figures : results) print_case(figures);

    fmt::print("\n{:<12} {:>9} {:>9} {:>8} {:>7} {:>7} {:>9} {:>10} {:>6}\n", "case", "tar MB", "walk s",
               "floor s", "ratio", "goal", "walk MB/s", "peak RSS", "goal");
    for (const auto& figures : results) {
        if (!figures.error.empty()) {
            fmt::print("{:<12} failed: {}\n", figures.name, figures.error);
            continue;
        }
        double ratio = figures.walk_s / figures.floor_s;
        double rss_mb = static_cast<double>(figures.child.peak_rss_kb) / 1024.0;
        fmt::print("{:<12} {:>9.1f} {:>9.3f} {:>8.3f} {:>7.2f} {:>7} {:>9.1f} {:>7.1f} MB {:>6}\n", figures.name,
                   mb(figures.expanded()), figures.walk_s, figures.floor_s, ratio,
                   ratio <= kGoalRatio ? "met" : "MISSED", mb(figures.expanded()) / figures.walk_s, rss_mb,
                   rss_mb < kGoalRssMb ? "met" : "MISSED");
    }
    struct rusage self {};
    ::getrusage(RUSAGE_SELF, &self);
    fmt::print("\nthis process's own peak RSS (all cases, floors and walks together): {:.1f} MB\n",
               static_cast<double>(self.ru_maxrss) / 1024.0);
    fmt::print("goals: ratio <= {:.1f} (walk against the floor in the same process), peak RSS < {:.0f} MB\n\n",
               kGoalRatio, kGoalRssMb);
    for (const auto& figures : results) {
        if (!figures.error.empty()) {
            fmt::print("RESULT case={} error=\"{}\"\n", figures.name, figures.error);
            continue;
        }
        fmt::print("RESULT case={} walk_s={:.4f} floor_s={:.4f} ratio={:.3f} peak_rss_mb={:.1f} tar_mb={:.1f} "
                   "stored_mb={:.1f} walk_cpu_s={:.4f} floor_cpu_s={:.4f} cpu_ratio={:.3f} sha_s={:.4f} "
                   "sha_cpu_s={:.4f} goal_ratio={:.1f} goal_rss_mb={:.0f}\n",
                   figures.name, figures.walk_s, figures.floor_s, figures.walk_s / figures.floor_s,
                   static_cast<double>(figures.child.peak_rss_kb) / 1024.0, mb(figures.expanded()),
                   mb(figures.stored()), figures.walk_cpu_s, figures.floor_cpu_s,
                   figures.walk_cpu_s / figures.floor_cpu_s, figures.sha_s, figures.sha_cpu_s, kGoalRatio,
                   kGoalRssMb);
    }

    if (options.keep) {
        fmt::print("\nkept {}\n", temp_root.string());
    } else {
        std::error_code ignored;
        fs::remove_all(temp_root, ignored);
    }
    return 0;
}
