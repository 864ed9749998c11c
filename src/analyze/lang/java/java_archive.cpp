#include "analyze/lang/java/java_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "analyze/lang/java/jar_metadata.h"

namespace moat {
namespace {

constexpr std::array<std::string_view, 5> kArchiveExtensions = {".jar", ".war", ".ear", ".jpi", ".hpi"};
// A libarchive failure repeated this often on one archive means it is not going to recover.
constexpr int kMaxConsecutiveFailures = 16;

bool has_archive_extension(std::string_view path) {
    if (path.size() < 4) return false;
    std::string tail(path.substr(path.size() - 4));
    for (char& c : tail) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto extension : kArchiveExtensions)
        if (tail == extension) return true;
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

struct ArchiveFree {
    void operator()(struct archive* archive) const { archive_read_free(archive); }
};
using ArchiveHandle = std::unique_ptr<struct archive, ArchiveFree>;

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
    // Reads the current entry's data into `out`, at most `cap` bytes (TooLarge beyond).
    Read read_entry(struct archive* archive, const std::string& where, uint64_t cap, std::string& out);
    void read_entries(struct archive* archive, const std::string& path, size_t depth, ArchiveFacts& facts);
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

ArchiveWalk::Read ArchiveWalk::read_entry(struct archive* archive, const std::string& where, uint64_t cap,
                                          std::string& out) {
    char buffer[65536];
    for (;;) {
        const la_ssize_t got = archive_read_data(archive, buffer, sizeof buffer);
        if (got == 0) return Read::Ok;
        if (got < 0) {
            const char* message = archive_error_string(archive);
            warnings_.push_back(fmt::format("{}: cannot read: {}", where, message ? message : "unknown error"));
            return Read::Failed;
        }
        bytes_read_ += static_cast<uint64_t>(got);
        if (bytes_read_ > limits_.max_total_bytes) {
            stop(fmt::format("{}: more than {} bytes decompressed in one archive; the rest is not read", where,
                             limits_.max_total_bytes));
            return Read::TooLarge;
        }
        if (out.size() + static_cast<size_t>(got) > cap) return Read::TooLarge;
        out.append(buffer, static_cast<size_t>(got));
    }
}

void ArchiveWalk::read_entries(struct archive* archive, const std::string& path, size_t depth,
                               ArchiveFacts& facts) {
    int failures = 0;
    while (!stopped_) {
        struct archive_entry* entry = nullptr;
        const int status = archive_read_next_header(archive, &entry);
        if (status == ARCHIVE_EOF) break;
        if (++entries_ > limits_.max_entries) {
            stop(fmt::format("{}: more than {} archive entries; the rest is not read", path, limits_.max_entries));
            break;
        }
        if (status < ARCHIVE_WARN) {
            const char* message = archive_error_string(archive);
            warnings_.push_back(fmt::format("{}: damaged entry: {}", path, message ? message : "unknown error"));
            if (status == ARCHIVE_FATAL || ++failures >= kMaxConsecutiveFailures) break;
            continue;
        }
        failures = 0;
        if (archive_entry_filetype(entry) != AE_IFREG) continue;
        const char* raw_name = archive_entry_pathname(entry);
        if (!raw_name) raw_name = archive_entry_pathname_utf8(entry);
        if (!raw_name || !*raw_name) continue;
        const std::string name(raw_name);
        const std::string where = path + "/" + name;
        const auto base = base_name(name);

        if (has_archive_extension(name)) {
            if (depth + 1 > limits_.max_depth) {
                warnings_.push_back(fmt::format("{}: nested more than {} archives deep; not read", where,
                                                limits_.max_depth));
                continue;
            }
            std::string body;
            const Read outcome = read_entry(archive, where, limits_.max_nested_bytes, body);
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
        const Read outcome = read_entry(archive, where, limits_.max_metadata_bytes, text);
        if (outcome == Read::TooLarge && !stopped_)
            warnings_.push_back(fmt::format("{}: larger than {} bytes; not read", where, limits_.max_metadata_bytes));
        if (outcome != Read::Ok) continue;
        const std::string directory(directory_of(name));
        if (is_pom_properties) facts.pom_properties.emplace_back(directory, java::parse_pom_properties(text));
        if (is_pom_xml) facts.pom_licenses[directory] = java::pom_license_names(text);
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
    ArchiveHandle archive(archive_read_new());
    if (!archive) {
        stop(fmt::format("{}: cannot start the ZIP reader", path));
        return;
    }
    // Only the central-directory reader: skipping an entry is then a seek, never a decompression
    // (a streamed ZIP bomb cannot cost time), and a jar without its directory is not a jar to Java.
    archive_read_support_format_zip_seekable(archive.get());
    if (archive_read_open_memory(archive.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
        const char* message = archive_error_string(archive.get());
        warnings_.push_back(fmt::format("{}: not a readable ZIP archive: {}", path, message ? message : "unknown error"));
        return;
    }
    const size_t first = packages_.size();  // nested archives add theirs while the entries are read
    ArchiveFacts facts;
    read_entries(archive.get(), path, depth, facts);
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
