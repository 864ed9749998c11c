#include "analyze/lang/java/java_archive.h"

#include <fmt/format.h>

#include <array>
#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "analyze/lang/java/jar_metadata.h"
#include "analyze/lang/java/zip_reader.h"

namespace moat {
namespace {

constexpr std::array<std::string_view, 5> kArchiveExtensions = {".jar", ".war", ".ear", ".jpi", ".hpi"};

bool has_archive_extension(std::string_view path) {
    if (path.size() < 4) return false;
    const auto tail = path.substr(path.size() - 4);
    for (const auto extension : kArchiveExtensions) {
        bool same = true;
        for (size_t i = 0; i < 4 && same; ++i)
            same = std::tolower(static_cast<unsigned char>(tail[i])) == extension[i];
        if (same) return true;
    }
    return false;
}

std::string_view base_name(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view directory_of(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

// What one archive says about itself, gathered in one pass over its entries.
struct ArchiveFacts {
    std::vector<std::pair<std::string, java::Coordinates>> pom_properties;  // (directory, coordinates)
    std::map<std::string, std::vector<std::string>> pom_licenses;           // directory -> <license> names
    std::optional<std::string> manifest;
    size_t license_files = 0;
    std::string license_file_id;  // SPDX id of the first license file, when recognised
};

// Walks one outer archive and everything nested in it, within one set of budgets.
class ArchiveWalk {
public:
    ArchiveWalk(const JarLimits& limits, std::vector<std::string>& warnings)
        : limits_(limits), warnings_(warnings) {}

    void read(std::string_view bytes, const std::string& path, size_t depth);
    std::vector<Package> take_packages() { return std::move(packages_); }

private:
    enum class Read { Ok, TooLarge, Failed };
    // Reads `entry`'s data into `out`, at most `cap` bytes (TooLarge beyond).
    Read read_entry(std::string_view bytes, const zip::Entry& entry, const std::string& where, uint64_t cap,
                    std::string& out);
    void read_entries(std::string_view bytes, const zip::Directory& directory, const std::string& path, size_t depth,
                      ArchiveFacts& facts);
    // The packages `facts` identify, for the archive at `path`.
    std::vector<Package> identify(const ArchiveFacts& facts, const std::string& path) const;
    void stop(std::string why) {
        if (!stopped_) warnings_.push_back(std::move(why));
        stopped_ = true;
    }

    const JarLimits& limits_;
    std::vector<std::string>& warnings_;
    std::vector<Package> packages_;
    uint64_t bytes_read_ = 0;
    size_t entries_ = 0;
    bool stopped_ = false;
};

ArchiveWalk::Read ArchiveWalk::read_entry(std::string_view bytes, const zip::Entry& entry, const std::string& where,
                                          uint64_t cap, std::string& out) {
    Read outcome = Read::Ok;
    const Status status = zip::read_entry(bytes, entry, [&](std::string_view piece) {
        bytes_read_ += piece.size();
        if (bytes_read_ > limits_.max_total_bytes) {
            stop(fmt::format("{}: more than {} bytes decompressed in one archive; the rest is not read", where,
                             limits_.max_total_bytes));
            outcome = Read::TooLarge;
            return false;
        }
        if (out.size() + piece.size() > cap) {
            outcome = Read::TooLarge;
            return false;
        }
        out.append(piece);
        return true;
    });
    if (!status.ok()) {
        warnings_.push_back(fmt::format("{}: cannot read: {}", where, status.message()));
        return Read::Failed;
    }
    return outcome;
}

// Whether an entry name is one the walk reads: metadata files, license files, nested archives.
bool is_wanted(std::string_view name) {
    const auto base = base_name(name);
    return base == "pom.properties" || base == "pom.xml" || name == "META-INF/MANIFEST.MF" ||
           has_archive_extension(name) || java::is_license_file(name);
}

void ArchiveWalk::read_entries(std::string_view bytes, const zip::Directory& directory, const std::string& path,
                               size_t depth, ArchiveFacts& facts) {
    // The central directory names every entry; only the few that say what the archive is are
    // read (no name conversion, no data touched for the rest).
    std::vector<zip::Entry> wanted;
    const Status listed = directory.for_each([&](const zip::Entry& entry) {
        if (++entries_ > limits_.max_entries) {
            stop(fmt::format("{}: more than {} archive entries; the rest is not read", path, limits_.max_entries));
            return false;
        }
        if (entry.regular_file && !entry.name.empty() && is_wanted(entry.name)) wanted.push_back(entry);
        return true;
    });
    if (!listed.ok()) {
        warnings_.push_back(fmt::format("{}: damaged entry: {}", path, listed.message()));
        return;
    }
    // In archive order (the order of the data, as a streaming reader meets it), each data once.
    std::stable_sort(wanted.begin(), wanted.end(),
                     [](const zip::Entry& a, const zip::Entry& b) { return a.local_header < b.local_header; });
    wanted.erase(std::unique(wanted.begin(), wanted.end(),
                             [](const zip::Entry& a, const zip::Entry& b) { return a.local_header == b.local_header; }),
                 wanted.end());

    for (const auto& entry : wanted) {
        if (stopped_) break;
        const std::string name(entry.name);
        const std::string where = path + "/" + name;
        const auto base = base_name(name);

        if (has_archive_extension(name)) {
            if (depth + 1 > limits_.max_depth) {
                warnings_.push_back(fmt::format("{}: nested more than {} archives deep; not read", where,
                                                limits_.max_depth));
                continue;
            }
            std::string body;
            const Read outcome = read_entry(bytes, entry, where, limits_.max_nested_bytes, body);
            if (outcome == Read::TooLarge && !stopped_)
                warnings_.push_back(fmt::format("{}: larger than {} bytes; not read", where, limits_.max_nested_bytes));
            if (outcome != Read::Ok) continue;
            read(body, where, depth + 1);
            continue;
        }

        const bool is_pom_properties = base == "pom.properties";
        const bool is_pom_xml = base == "pom.xml";
        const bool is_manifest = name == "META-INF/MANIFEST.MF" && !facts.manifest;
        const bool is_license = java::is_license_file(name);
        if (!is_pom_properties && !is_pom_xml && !is_manifest && !is_license) continue;
        if (is_license && ++facts.license_files > 1) continue;  // one is enough to tell "more than one"
        std::string text;
        const Read outcome = read_entry(bytes, entry, where, limits_.max_metadata_bytes, text);
        if (outcome == Read::TooLarge && !stopped_)
            warnings_.push_back(fmt::format("{}: larger than {} bytes; not read", where, limits_.max_metadata_bytes));
        if (outcome != Read::Ok) continue;
        const std::string directory_name(directory_of(name));
        if (is_pom_properties) facts.pom_properties.emplace_back(directory_name, java::parse_pom_properties(text));
        if (is_pom_xml) facts.pom_licenses[directory_name] = java::pom_license_names(text);
        if (is_manifest) facts.manifest = std::move(text);
        if (is_license) facts.license_file_id = java::classify_license_text(text);
    }
}

std::vector<Package> ArchiveWalk::identify(const ArchiveFacts& facts, const std::string& path) const {
    std::vector<Package> found;
    std::set<std::pair<std::string, std::string>> seen;  // one package per name@version per archive
    auto add = [&](const java::Coordinates& coordinates, std::vector<std::string> licenses, bool low_confidence) {
        Package package;
        package.type = "maven";
        package.name = coordinates.group_id.empty() ? coordinates.artifact_id
                                                    : coordinates.group_id + ":" + coordinates.artifact_id;
        package.version = coordinates.version;
        if (!seen.emplace(package.name, package.version).second) return;
        package.licenses = std::move(licenses);
        package.low_confidence = low_confidence;
        package.path = path;
        found.push_back(std::move(package));
    };

    // pom.properties is authoritative; the manifest and the file name are only fallbacks.
    for (const auto& [directory, coordinates] : facts.pom_properties) {
        if (!coordinates.complete()) continue;
        const auto licenses = facts.pom_licenses.find(directory);
        add(coordinates, licenses == facts.pom_licenses.end() ? std::vector<std::string>{} : licenses->second, false);
    }
    if (found.empty() && facts.manifest) {
        auto identity = java::manifest_identity(java::parse_manifest(*facts.manifest));
        if (identity.coordinates.complete()) add(identity.coordinates, std::move(identity.licenses), identity.vendor_guess);
    }
    if (found.empty()) {
        const auto from_name = java::coordinates_from_file_name(base_name(path));
        if (!from_name.artifact_id.empty() && !from_name.version.empty()) add(from_name, {}, true);
    }
    // A license file speaks for the archive only when the archive is one package and ships one
    // license file: a shaded jar's or a two-license jar's owner is ambiguous (Trivy attaches none).
    if (found.size() == 1 && found[0].licenses.empty() && facts.license_files == 1 && !facts.license_file_id.empty())
        found[0].licenses.push_back(facts.license_file_id);
    return found;
}

void ArchiveWalk::read(std::string_view bytes, const std::string& path, size_t depth) {
    if (stopped_) return;
    const auto directory = zip::Directory::open(bytes);
    if (!directory.ok()) {
        warnings_.push_back(fmt::format("{}: not a readable ZIP archive: {}", path, directory.error().message));
        return;
    }
    const size_t first = packages_.size();  // nested archives add theirs while the entries are read
    ArchiveFacts facts;
    read_entries(bytes, *directory, path, depth, facts);
    auto own = identify(facts, path);
    if (packages_.size() + own.size() > limits_.max_packages) {
        stop(fmt::format("{}: more than {} packages; the rest is not reported", path, limits_.max_packages));
        own.resize(limits_.max_packages - std::min(limits_.max_packages, packages_.size()));
    }
    packages_.insert(packages_.begin() + static_cast<std::ptrdiff_t>(first), std::make_move_iterator(own.begin()),
                     std::make_move_iterator(own.end()));
}

}  // namespace

std::vector<Package> parse_java_archive(std::string_view bytes, const std::string& path,
                                        std::vector<std::string>& warnings, const JarLimits& limits) {
    ArchiveWalk walk(limits, warnings);
    walk.read(bytes, path, 0);
    return walk.take_packages();
}

PathInterest JavaArchiveAnalyzer::interest() const {
    PathInterest interest;
    for (const auto extension : kArchiveExtensions) interest.suffixes.emplace_back(extension);
    // Application servers' wars and Spring Boot fat jars reach a few hundred MiB.
    interest.max_bytes = 256u << 20;
    return interest;
}

std::vector<Package> JavaArchiveAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                                  std::vector<std::string>& warnings) const {
    std::vector<Package> packages;
    for (const auto& file : files.files_matching(has_archive_extension)) {
        auto found = parse_java_archive(file.bytes, file.path, warnings);
        for (auto& package : found) {
            package.layer = file.layer;
            packages.push_back(std::move(package));
        }
    }
    return packages;
}

}  // namespace moat
