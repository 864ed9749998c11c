// Version comparisons per second for each scheme, over the real versions of the advisories
// (Debian, AlmaLinux, Alpine), against the reference of a plain byte-wise string comparison of
// the same pairs (the floor any version order pays: reading the bytes).
//
//   build/bench_version_compare [SHARED_DIR]     (default: the shared/ folder beside the checkout)

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "test_support/osv_zip.h"
#include "vulndb/version/version_compare.h"

namespace {

namespace fs = std::filesystem;

std::vector<std::string> osv_versions(const fs::path& zip_path) {
    std::set<std::string> found;
    std::string error;
    bool opened = moat::test_support::for_each_osv_record(
        zip_path,
        [&](const nlohmann::json& record) {
            moat::test_support::for_each_event_version(
                record, [&](const std::string&, const std::string&, const std::string& version) {
                    found.insert(version);  // every event, "limit" included
                });
        },
        &error);
    if (!opened) {
        std::fprintf(stderr, "%s: %s\n", zip_path.c_str(), error.c_str());
        return {};
    }
    return {found.begin(), found.end()};
}

// CPU time of this thread: the figures hold on a busy machine too.
double cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// Runs `compare` over the pairs for about half a second of CPU; comparisons per CPU second.
template <typename Compare>
double rate(const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
            Compare compare, long& sink) {
    size_t done = 0;
    const double start = cpu_seconds();
    double elapsed = 0;
    while (elapsed < 0.5) {
        for (const auto& [a, b] : pairs) sink += compare(a, b);
        done += pairs.size();
        elapsed = cpu_seconds() - start;
    }
    return static_cast<double>(done) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
    const fs::path shared =
        argc > 1 ? fs::path(argv[1]) : fs::path(__FILE__).parent_path() / "../../shared";
    struct Source {
        moat::VersionScheme scheme;
        const char* zip;
    };
    const Source sources[] = {{moat::VersionScheme::Dpkg, "vulndb/Debian/all.zip"},
                              {moat::VersionScheme::Rpm, "vulndb/AlmaLinux/all.zip"},
                              {moat::VersionScheme::Apk, "vulndb/Alpine/all.zip"}};
    std::printf("%-5s %9s %8s %16s %10s %18s\n", "", "versions", "pairs", "compares/s",
                "ns/compare", "vs byte compare");
    long sink = 0;
    for (const auto& source : sources) {
        const std::vector<std::string> versions = osv_versions(shared / source.zip);
        if (versions.empty()) {
            std::fprintf(stderr, "no versions in %s\n", (shared / source.zip).c_str());
            return 1;
        }
        // Random pairs, as the matcher meets them: an installed version against fixed versions.
        std::mt19937 random(20261123);
        std::vector<std::pair<std::string_view, std::string_view>> pairs;
        for (size_t i = 0; i < 100000; ++i)
            pairs.emplace_back(versions[random() % versions.size()],
                               versions[random() % versions.size()]);
        const double ours = rate(
            pairs,
            [&](std::string_view a, std::string_view b) {
                return moat::compare_versions(source.scheme, a, b);
            },
            sink);
        const double bytes =
            rate(pairs, [](std::string_view a, std::string_view b) { return a.compare(b); }, sink);
        std::printf("%-5s %9zu %8zu %16.0f %10.1f %17.2fx\n",
                    std::string(moat::version_scheme_name(source.scheme)).c_str(), versions.size(),
                    pairs.size(), ours, 1e9 / ours, bytes / ours);
    }
    std::printf("(per CPU second of one thread; vs byte compare: how many times the time of\n"
                " std::string_view::compare on the same pairs)\n");
    return sink == 42 ? 2 : 0;  // keeps the comparisons from being optimised away
}
