#include "analyze/pkg/rpm_analyzer.h"

#include <fmt/format.h>

#include <algorithm>

#include "analyze/pkg/rpm/rpm_bdb.h"
#include "analyze/pkg/rpm/rpm_header.h"
#include "analyze/pkg/rpm/rpm_manifest.h"
#include "analyze/pkg/rpm/rpm_ndb.h"
#include "analyze/pkg/rpm/rpm_sqlite.h"

namespace moat {
namespace {

struct DatabaseLocation {
    std::string_view path;
    RpmDbFormat format;
};

// In order of preference: rpm converts old databases forward, so a newer format that is present
// is the live one. /usr/lib/sysimage/rpm is the newer home (Fedora 36+, openSUSE).
constexpr DatabaseLocation kDatabases[] = {
    {"usr/lib/sysimage/rpm/rpmdb.sqlite", RpmDbFormat::kSqlite},
    {"var/lib/rpm/rpmdb.sqlite", RpmDbFormat::kSqlite},
    {"usr/lib/sysimage/rpm/Packages.db", RpmDbFormat::kNdb},
    {"var/lib/rpm/Packages", RpmDbFormat::kBerkeleyDb},
    {"usr/lib/sysimage/rpm/Packages", RpmDbFormat::kBerkeleyDb},
};
constexpr std::string_view kContainerManifestPath = "var/lib/rpmmanifest/container-manifest-2";

// Public keys imported with `rpm --import` are stored as fake packages named gpg-pubkey.
constexpr std::string_view kPublicKeyPseudoPackage = "gpg-pubkey";

Package to_package(rpm::RpmHeader header) {
    Package package;
    package.type = "rpm";
    package.name = std::move(header.name);
    package.version = std::move(header.version);
    package.epoch = header.epoch;
    package.release = std::move(header.release);
    package.arch = std::move(header.arch);
    if (auto source = rpm::split_source_rpm(header.source_rpm)) {
        package.source_name = std::move(source->name);
        package.source_version = std::move(source->version);
        package.source_release = std::move(source->release);
        package.source_epoch = header.epoch;  // one spec file: the source shares the epoch
    }
    if (!header.license.empty()) package.licenses.push_back(std::move(header.license));
    package.modularity_label = std::move(header.modularity_label);
    package.installed_files = std::move(header.files);
    return package;
}

Status read_blobs(std::string_view bytes, RpmDbFormat format, const rpm::HeaderBlobVisitor& visit,
                  std::vector<std::string>& warnings) {
    switch (format) {
        case RpmDbFormat::kSqlite:
            return rpm::read_sqlite_blobs(bytes, visit, warnings);
        case RpmDbFormat::kNdb:
            return rpm::read_ndb_blobs(bytes, visit, warnings);
        case RpmDbFormat::kBerkeleyDb:
            return rpm::read_bdb_blobs(bytes, visit, warnings);
        case RpmDbFormat::kContainerManifest:
            break;
    }
    return Error{"not a header database format"};
}

Result<std::vector<Package>> read_header_database(std::string_view bytes, RpmDbFormat format,
                                                  std::vector<std::string>& warnings) {
    std::vector<Package> packages;
    auto visit = [&](uint32_t record, std::string_view blob) {
        auto header = rpm::parse_header(blob);
        if (!header) {
            rpm::add_capped_warning(warnings,
                                    fmt::format("record {}: {}", record, header.error().message));
            return;
        }
        if (header->name == kPublicKeyPseudoPackage) return;
        packages.push_back(to_package(std::move(*header)));
    };
    Status status = read_blobs(bytes, format, visit, warnings);
    if (!status) return status.error();
    return packages;
}

}  // namespace

Result<std::vector<Package>> read_rpm_database(std::string_view bytes, RpmDbFormat format,
                                               std::vector<std::string>* warnings) {
    std::vector<std::string> problems;
    Result<std::vector<Package>> packages = std::vector<Package>{};
    if (format == RpmDbFormat::kContainerManifest)
        packages = rpm::parse_container_manifest(bytes, problems);
    else
        packages = read_header_database(bytes, format, problems);
    if (!packages) return packages;
    // Problems and nothing read: the file is damaged as a whole, not in a few records.
    if (packages->empty() && !problems.empty())
        return Error{fmt::format("no package could be read ({})", problems.front())};
    if (warnings) warnings->insert(warnings->end(), problems.begin(), problems.end());
    return packages;
}

PathInterest RpmAnalyzer::interest() const {
    PathInterest interest;
    for (const DatabaseLocation& location : kDatabases) interest.exact.emplace_back(location.path);
    interest.exact.emplace_back(kContainerManifestPath);
    return interest;
}

std::vector<Package> RpmAnalyzer::analyze(const FileView& files, const AnalysisContext& /*context*/,
                                          std::vector<std::string>& warnings) const {
    auto read_file = [&](const FileContent& content,
                         RpmDbFormat format) -> std::optional<std::vector<Package>> {
        std::vector<std::string> problems;
        auto packages = read_rpm_database(content.bytes, format, &problems);
        if (!packages) {
            warnings.push_back(fmt::format("{}: {}", content.path, packages.error().message));
            return std::nullopt;
        }
        for (const std::string& problem : problems)
            warnings.push_back(fmt::format("{}: {}", content.path, problem));
        for (Package& package : *packages) {
            package.path = content.path;
            package.layer = content.layer;
        }
        return std::move(*packages);
    };

    std::vector<std::string>
        tried;  // symlinked locations (var/lib/rpm -> usr/lib/sysimage/rpm) read once
    for (const DatabaseLocation& location : kDatabases) {
        auto content = files.read(location.path);
        if (!content || std::find(tried.begin(), tried.end(), content->path) != tried.end())
            continue;
        tried.push_back(content->path);
        if (auto packages = read_file(*content, location.format)) return std::move(*packages);
    }
    if (auto manifest = files.read(kContainerManifestPath)) {
        if (auto packages = read_file(*manifest, RpmDbFormat::kContainerManifest))
            return std::move(*packages);
    }
    return {};
}

}  // namespace moat
