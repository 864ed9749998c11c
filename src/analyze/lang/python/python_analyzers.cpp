#include "analyze/lang/python/python_analyzers.h"

#include <fmt/format.h>

#include "analyze/lang/python/installed_metadata.h"
#include "analyze/lang/python/pipfile_lock.h"
#include "analyze/lang/python/python_egg.h"
#include "analyze/lang/python/requirements_txt.h"
#include "analyze/lang/python/toml_locks.h"

namespace moat {
namespace {

constexpr std::string_view kMetadataSuffixes[] = {".dist-info/METADATA", ".egg-info/PKG-INFO",
                                                  ".egg-info", ".egg/EGG-INFO/PKG-INFO"};
constexpr std::string_view kEggSuffix = ".egg";

// Core metadata is a header block plus the long description; the largest real ones (a full
// changelog inlined) stay well under this.
constexpr size_t kMaxMetadataBytes = 8ull << 20;
// Lock files of large projects reach a few MiB; the TOML and JSON documents are built in memory.
constexpr size_t kMaxLockBytes = 16ull << 20;
constexpr size_t kMaxRequirementsBytes = 4ull << 20;
// A zipped egg carries the code too; larger ones are left out rather than held in memory.
constexpr size_t kMaxEggBytes = 32ull << 20;

bool is_metadata_path(std::string_view path) {
    for (const auto suffix : kMetadataSuffixes)
        if (path.ends_with(suffix)) return true;
    return false;
}

void prefix_warnings(std::string_view path, std::vector<std::string>& notes,
                     std::vector<std::string>& warnings) {
    for (auto& note : notes) warnings.push_back(fmt::format("{}: {}", path, note));
}

}  // namespace

PathInterest PythonInstalledAnalyzer::interest() const {
    PathInterest interest;
    for (const auto suffix : kMetadataSuffixes) interest.suffixes.emplace_back(suffix);
    interest.max_bytes = kMaxMetadataBytes;
    return interest;
}

std::vector<Package> PythonInstalledAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                                      std::vector<std::string>& warnings) const {
    std::vector<Package> packages;
    for (const auto& file : files.files_matching(is_metadata_path)) {
        std::vector<std::string> notes;
        auto package = parse_python_metadata(file.bytes, notes);
        prefix_warnings(file.path, notes, warnings);
        if (!package) continue;
        package->path = file.path;
        package->layer = file.layer;
        packages.push_back(std::move(*package));
    }
    return packages;
}

PathInterest PythonEggAnalyzer::interest() const {
    PathInterest interest;
    interest.suffixes = {std::string(kEggSuffix)};
    interest.max_bytes = kMaxEggBytes;
    return interest;
}

std::vector<Package> PythonEggAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                                std::vector<std::string>& warnings) const {
    std::vector<Package> packages;
    const auto is_egg = [](std::string_view path) { return path.ends_with(kEggSuffix); };
    for (const auto& file : files.files_matching(is_egg)) {
        std::vector<std::string> notes;
        if (const auto pkg_info = read_egg_pkg_info(file.bytes, notes)) {
            if (auto package = parse_python_metadata(*pkg_info, notes)) {
                package->path = file.path;  // the egg itself: an OS package may own it
                package->layer = file.layer;
                packages.push_back(std::move(*package));
            }
        }
        prefix_warnings(file.path, notes, warnings);
    }
    return packages;
}

PathInterest PythonProjectFileAnalyzer::interest() const {
    PathInterest interest;
    interest.exact = {file_name_};
    interest.suffixes = {"/" + file_name_};
    interest.max_bytes = max_bytes_;
    return interest;
}

std::vector<Package> PythonProjectFileAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                                        std::vector<std::string>& warnings) const {
    const std::string slash_name = "/" + file_name_;
    const auto matches = [&](std::string_view path) {
        return path == file_name_ || path.ends_with(slash_name);
    };
    std::vector<Package> packages;
    for (const auto& file : files.files_matching(matches)) {
        std::vector<std::string> notes;
        auto found = parse_(file.bytes, notes);
        prefix_warnings(file.path, notes, warnings);
        for (auto& package : found) {
            package.path = file.path;
            package.layer = file.layer;
            packages.push_back(std::move(package));
        }
    }
    return packages;
}

PipRequirementsAnalyzer::PipRequirementsAnalyzer()
    : PythonProjectFileAnalyzer("pip", "requirements.txt", parse_requirements_txt,
                                kMaxRequirementsBytes) {}

PipenvLockAnalyzer::PipenvLockAnalyzer()
    : PythonProjectFileAnalyzer("pipenv", "Pipfile.lock", parse_pipfile_lock, kMaxLockBytes) {}

PoetryLockAnalyzer::PoetryLockAnalyzer()
    : PythonProjectFileAnalyzer("poetry", "poetry.lock", parse_poetry_lock, kMaxLockBytes) {}

UvLockAnalyzer::UvLockAnalyzer()
    : PythonProjectFileAnalyzer("uv", "uv.lock", parse_uv_lock, kMaxLockBytes) {}

std::vector<std::unique_ptr<PackageAnalyzer>> python_package_analyzers() {
    std::vector<std::unique_ptr<PackageAnalyzer>> analyzers;
    analyzers.push_back(std::make_unique<PythonInstalledAnalyzer>());
    analyzers.push_back(std::make_unique<PythonEggAnalyzer>());
    analyzers.push_back(std::make_unique<PipRequirementsAnalyzer>());
    analyzers.push_back(std::make_unique<PipenvLockAnalyzer>());
    analyzers.push_back(std::make_unique<PoetryLockAnalyzer>());
    analyzers.push_back(std::make_unique<UvLockAnalyzer>());
    return analyzers;
}

}  // namespace moat
