// plan_apt_fixes: sources -> verified InRelease -> verified Packages -> picked versions ->
// verified .debs (see apt_fix.h).
#include "fix/apt/apt_fix.h"

#include <algorithm>
#include <ctime>
#include <set>

#include <fmt/format.h>

#include "fix/apt/apt_sources.h"
#include "fix/apt/packages_index.h"
#include "fix/apt/release_file.h"
#include "fix/apt/repo_fetch.h"
#include "fix/apt/version_picker.h"

namespace moat::fix {
namespace {

constexpr std::uint64_t kMaxRelease = 16ull << 20;
constexpr std::uint64_t kMaxCompressedIndex = 256ull << 20;
constexpr std::uint64_t kMaxIndex = 1ull << 30;
constexpr std::uint64_t kMaxDeb = 2ull << 30;

std::string cache_name(const std::string& text) {
    std::string name;
    for (char c : text) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
    return name;
}

std::filesystem::path default_keyring(const std::vector<AptSource>& sources) {
    static const std::set<std::string> kUbuntu = {"xenial", "bionic", "focal", "jammy", "kinetic", "lunar",
                                                  "mantic", "noble",  "oracular", "plucky"};
    for (const auto& source : sources) {
        std::string codename = source.suite.substr(0, source.suite.find('-'));
        if (kUbuntu.count(codename) || source.uri.find("ubuntu") != std::string::npos)
            return "/usr/share/keyrings/ubuntu-archive-keyring.gpg";
    }
    return "/usr/share/keyrings/debian-archive-keyring.gpg";
}

// Fetches, verifies and parses one (uri, suite)'s Release and Packages indexes.
Status load_repository(const AptSource& source, const AptFixOptions& options, const std::filesystem::path& keyring,
                       std::vector<AptCandidate>& candidates) {
    std::string what = fmt::format("{} {}", source.uri, source.suite);
    if (source.suite.ends_with("/")) return Error{fmt::format("{}: flat repositories are not supported", what)};
    const std::string dists = fmt::format("{}/dists/{}", source.uri, source.suite);
    const auto stem = options.download_dir / cache_name(what);
    std::filesystem::path in_release = stem;
    in_release += ".InRelease";
    if (auto status = download_file(dists + "/InRelease", in_release, kMaxRelease); !status)
        return Error{fmt::format("{}: cannot fetch InRelease: {}", what, status.message())};
    if (auto status = verify_clearsigned(in_release, keyring, what); !status) return status;
    auto raw = decompress_file(in_release, kMaxRelease);
    if (!raw) return Error{fmt::format("{}: {}", what, raw.error().message)};
    auto text = clearsigned_text(*raw);
    if (!text) return Error{fmt::format("{}: InRelease: {}", what, text.error().message)};
    auto release = parse_release(*text);
    if (!release) return Error{fmt::format("{}: {}", what, release.error().message)};
    if (release_expired(release->valid_until, std::time(nullptr)))
        return Error{fmt::format("{}: Release expired (Valid-Until: {}) — the mirror is stale or replaying old data",
                                 what, release->valid_until)};
    std::vector<std::string> components = source.components;
    if (components.empty()) components.push_back("main");
    for (const auto& component : components) {
        std::string index_path;
        for (const char* suffix : {".xz", ".gz", ""}) {
            std::string path = fmt::format("{}/binary-{}/Packages{}", component, options.arch, suffix);
            if (release->sha256.count(path)) {
                index_path = path;
                break;
            }
        }
        if (index_path.empty())
            return Error{fmt::format("{}: Release lists no Packages index for {}/binary-{}", what, component, options.arch)};
        const auto& expected = release->sha256.at(index_path);
        if (expected.size > kMaxCompressedIndex) return Error{fmt::format("{}: {} is too large", what, index_path)};
        std::filesystem::path file = stem;
        file += "." + cache_name(index_path);
        // Reuse a cached index when it still matches the signed hash.
        auto cached = sha256_file(file);
        if (!cached || *cached != expected.sha256) {
            if (auto status = download_file(dists + "/" + index_path, file, expected.size); !status)
                return Error{fmt::format("{}: cannot fetch {}: {}", what, index_path, status.message())};
            auto hash = sha256_file(file);
            if (!hash) return Error{hash.error()};
            if (*hash != expected.sha256 || std::filesystem::file_size(file) != expected.size)
                return Error{fmt::format("{}: {} does not match the SHA-256 in the signed Release", what, index_path)};
        }
        auto index_text = decompress_file(file, kMaxIndex);
        if (!index_text) return Error{fmt::format("{}: {}", what, index_text.error().message)};
        auto stanzas = parse_packages_index(*index_text);
        if (!stanzas) return Error{fmt::format("{}: {}: {}", what, index_path, stanzas.error().message)};
        for (auto& stanza : *stanzas) candidates.push_back({std::move(stanza), source.uri, source.suite});
    }
    return Status::Ok();
}

// Downloads a picked .deb (reusing a verified cached copy) and checks it against the index.
Result<std::filesystem::path> fetch_deb(const AptCandidate& candidate, const std::filesystem::path& download_dir) {
    const auto& stanza = candidate.stanza;
    if (stanza.filename.empty() || stanza.sha256.size() != 64 || stanza.filename.find("..") != std::string::npos ||
        stanza.filename.front() == '/')
        return Error{fmt::format("{} {}: the index gives no usable Filename/SHA256", stanza.package, stanza.version)};
    std::string url = candidate.base_uri + "/" + stanza.filename;
    auto file = download_dir / stanza.filename.substr(stanza.filename.rfind('/') + 1);
    auto cached = sha256_file(file);
    if (cached && *cached == stanza.sha256) return file;
    if (stanza.size > kMaxDeb) return Error{fmt::format("{}: {} is too large", stanza.package, url)};
    if (auto status = download_file(url, file, stanza.size ? stanza.size : kMaxDeb); !status)
        return Error{fmt::format("{}: cannot download: {}", stanza.package, status.message())};
    auto hash = sha256_file(file);
    if (!hash) return Error{hash.error()};
    std::error_code error;
    if (*hash != stanza.sha256 || (stanza.size && std::filesystem::file_size(file, error) != stanza.size)) {
        std::filesystem::remove(file, error);
        return Error{fmt::format("{} {}: {} does not match the SHA-256 in the signed index", stanza.package,
                                 stanza.version, url)};
    }
    return file;
}

}  // namespace

Result<FixPlan> plan_apt_fixes(const AptFixOptions& options, const std::vector<FixRequest>& requests,
                               const std::vector<InstalledDeb>& installed) {
    auto sources = options.repos.empty() ? read_image_sources(options.rootfs_or_sources)
                                         : parse_repo_arguments(options.repos);
    if (sources.empty())
        return Error{options.repos.empty()
                         ? fmt::format("the image has no apt sources (etc/apt/sources.list*); name one with --repo")
                         : std::string("no usable --repo line (expected \"URI SUITE [COMPONENT...]\")")};
    std::error_code error;
    std::filesystem::create_directories(options.download_dir, error);
    if (error) return Error{fmt::format("cannot create {}: {}", options.download_dir.string(), error.message())};
    const auto keyring = options.keyring.empty() ? default_keyring(sources) : options.keyring;

    std::vector<AptCandidate> candidates;
    std::vector<std::string> suites;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& source : sources) {
        if (!seen.insert({source.uri, source.suite}).second) continue;
        if (auto status = load_repository(source, options, keyring, candidates); !status) return Error{status.error()};
        suites.push_back(source.suite);
    }
    auto picked = pick_versions(candidates, requests, installed, options.arch, suites);
    FixPlan plan;
    plan.unfixable = std::move(picked.unfixable);
    for (const auto& pick : picked.picks) {
        auto file = fetch_deb(*pick.candidate, options.download_dir);
        if (!file) return Error{file.error()};
        const auto& stanza = pick.candidate->stanza;
        plan.packages.push_back({stanza.package, pick.from_version, stanza.version, stanza.architecture, *file,
                                 stanza.sha256, pick.closes});
    }
    return plan;
}

}  // namespace moat::fix
