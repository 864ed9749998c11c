// `moat fix` benchmark: the time to fix the real test image, split into its phases — download
// (apt-get download of the packages, until moat's own apt planner is merged), unpack, install
// (dpkg in a chroot as root), layer writing (snapshot diff + tar.gz) and image writing — and
// the layer writing against its physical reference: a plain `tar czf` of the same changed paths
// from the same rootfs.
//
//   bench_fix [--image-dir DIR] [--packages "libssl3 openssl libexpat1"] [--runs N]
//
// The test image directory (holding oci/) is --image-dir, else $MOAT_TEST_IMAGE_DIR. Each run
// works on a fresh copy of oci/ in a temp dir. Figures are printed, never asserted.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "fix/fix_requests.h"
#include "fix/image_fixer.h"
#include "image/image.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

int shell(const std::string& command) {
    return std::system(command.c_str());
}

std::string quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace

int main(int argc, char** argv) {
    std::string image_dir =
        std::getenv("MOAT_TEST_IMAGE_DIR") ? std::getenv("MOAT_TEST_IMAGE_DIR") : "";
    std::string packages = "libssl3 openssl libexpat1";
    int runs = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--image-dir")
            image_dir = argv[i + 1];
        else if (flag == "--packages")
            packages = argv[i + 1];
        else if (flag == "--runs")
            runs = std::max(1, std::atoi(argv[i + 1]));
    }
    if (image_dir.empty() || !fs::exists(fs::path(image_dir) / "oci/index.json")) {
        std::fprintf(stderr,
                     "bench_fix: set MOAT_TEST_IMAGE_DIR or --image-dir (a dir holding oci/)\n");
        return 2;
    }
    if (::geteuid() != 0)
        std::fprintf(stderr, "bench_fix: not root: install runs as direct unpacking\n");
    std::string base = (fs::temp_directory_path() / "moat-bench-fix.XXXXXX").string();
    if (!::mkdtemp(base.data())) return 1;
    fs::path work = base;

    auto download_start = Clock::now();
    fs::path debs_dir = work / "debs";
    fs::create_directories(debs_dir);
    if (shell("cd " + quote(debs_dir.string()) + " && apt-get download -q " + packages +
              " >/dev/null 2>&1") != 0) {
        std::fprintf(stderr, "bench_fix: apt-get download %s failed\n", packages.c_str());
        fs::remove_all(work);
        return 1;
    }
    double download = since(download_start);
    std::vector<fs::path> debs;
    for (const auto& entry : fs::directory_iterator(debs_dir)) debs.push_back(entry.path());
    std::sort(debs.begin(), debs.end());
    auto plan = moat::fix::plan_from_local_debs({}, debs);
    if (!plan) {
        std::fprintf(stderr, "bench_fix: %s\n", plan.error().message.c_str());
        return 1;
    }

    double best_unpack = 1e9, best_install = 1e9, best_layer = 1e9, best_write = 1e9,
           best_tar = 1e9;
    uint64_t layer_bytes = 0, changed = 0;
    for (int run = 0; run < runs; ++run) {
        fs::path run_dir = work / fmt::format("run{}", run);
        fs::create_directories(run_dir);
        fs::copy(fs::path(image_dir) / "oci", run_dir / "oci", fs::copy_options::recursive);
        std::string ref = "oci:" + (run_dir / "oci").string() + ":1.0";
        auto image = moat::open_image(ref, {});
        if (!image) {
            std::fprintf(stderr, "bench_fix: %s\n", image.error().message.c_str());
            return 1;
        }
        auto target = moat::fix::resolve_target(ref, "", false, {});
        auto outcome = moat::fix::apply_fix_plan(**image, *plan, *target, run_dir / "work");
        if (!outcome) {
            std::fprintf(stderr, "bench_fix: %s\n", outcome.error().message.c_str());
            return 1;
        }
        best_unpack = std::min(best_unpack, outcome->timings.unpack_seconds);
        best_install = std::min(best_install, outcome->timings.install_seconds);
        best_layer = std::min(best_layer, outcome->timings.layer_seconds);
        best_write = std::min(best_write, outcome->timings.write_seconds);
        layer_bytes = outcome->layer.size;
        changed = outcome->changed_paths;
        // The reference: tar czf of the same entries (whiteouts aside) from the same rootfs.
        fs::path list = run_dir / "entries.txt";
        shell("tar tzf " + quote(outcome->layer.file.string()) + " | grep -v '\\.wh\\.' > " +
              quote(list.string()));
        auto tar_start = Clock::now();
        // To a real file: GNU tar skips reading file bodies when the archive is /dev/null.
        shell("tar czf " + quote((run_dir / "reference.tar.gz").string()) + " --no-recursion -C " +
              quote((run_dir / "work/rootfs").string()) + " -T " + quote(list.string()));
        best_tar = std::min(best_tar, since(tar_start));
        fs::remove_all(run_dir);
    }
    fs::remove_all(work);

    std::printf("moat fix of %s/oci:1.0 with %zu packages (%s), best of %d runs\n",
                image_dir.c_str(), debs.size(), packages.c_str(), runs);
    std::printf("  download (apt-get download)  %8.3f s\n", download);
    std::printf("  unpack (layers -> rootfs)    %8.3f s\n", best_unpack);
    std::printf("  install (%-14s)   %8.3f s\n",
                ::geteuid() == 0 ? "dpkg in chroot" : "direct unpack", best_install);
    std::printf("  layer writing (diff+tar.gz)  %8.3f s   %llu paths, %llu bytes\n", best_layer,
                static_cast<unsigned long long>(changed),
                static_cast<unsigned long long>(layer_bytes));
    std::printf("  image writing                %8.3f s\n", best_write);
    std::printf("  reference: tar czf of the same paths %8.3f s   layer writing / tar czf = %.2f\n",
                best_tar, best_tar > 0 ? best_layer / best_tar : 0.0);
    return 0;
}
