#include "analyze/pkg/rpm/rpm_manifest.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "analyze/pkg/rpm/rpm_header.h"

namespace moat::rpm {
namespace {

// Columns as rpm's query format writes them for the manifest.
enum Column : size_t {
    kName = 0,
    kVersionRelease = 1,
    kInstallTime = 2,
    kBuildTime = 3,
    kVendor = 4,
    kEpoch = 5,  // "(none)" when the header has no EPOCH tag
    kSize = 6,
    kArch = 7,
    kEpochNumber = 8,  // EPOCHNUM: the epoch, 0 when absent
    kSourceRpm = 9,
    kColumnCount = 10,
};

std::vector<std::string_view> split_tabs(std::string_view line) {
    std::vector<std::string_view> fields;
    for (;;) {
        const size_t tab = line.find('\t');
        fields.push_back(line.substr(0, tab));
        if (tab == std::string_view::npos) return fields;
        line.remove_prefix(tab + 1);
    }
}

std::optional<long> parse_number(std::string_view text) {
    long value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

// EPOCH may say "(none)" while EPOCHNUM says 1 (Azure Linux 3); the number wins then. An
// EPOCHNUM of 0 with "(none)" means the package has no epoch.
std::optional<long> manifest_epoch(std::string_view epoch, std::string_view epoch_number) {
    if (auto explicit_epoch = parse_number(epoch)) return explicit_epoch;
    auto number = parse_number(epoch_number);
    if (number && *number > 0) return number;
    return std::nullopt;
}

}  // namespace

std::vector<Package> parse_container_manifest(std::string_view text,
                                              std::vector<std::string>& warnings) {
    std::vector<Package> packages;
    size_t line_number = 0;
    while (!text.empty()) {
        const size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        ++line_number;
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;

        const std::vector<std::string_view> fields = split_tabs(line);
        if (fields.size() < kColumnCount || fields[kName].empty() ||
            fields[kVersionRelease].empty()) {
            add_capped_warning(
                warnings, fmt::format("line {}: expected {} TAB-separated columns with a name and "
                                      "a version, found {}",
                                      line_number, size_t{kColumnCount}, fields.size()));
            continue;
        }
        Package package;
        package.type = "rpm";
        package.name = std::string(fields[kName]);
        std::string_view version_release = fields[kVersionRelease];
        const size_t dash = version_release.rfind('-');
        package.version = std::string(version_release.substr(0, dash));
        if (dash != std::string_view::npos)
            package.release = std::string(version_release.substr(dash + 1));
        package.epoch = manifest_epoch(fields[kEpoch], fields[kEpochNumber]);
        package.arch = std::string(fields[kArch]);
        if (auto source = split_source_rpm(fields[kSourceRpm])) {
            package.source_name = std::move(source->name);
            package.source_version = std::move(source->version);
            package.source_release = std::move(source->release);
            package.source_epoch = package.epoch;  // one spec file: the source shares the epoch
        }
        packages.push_back(std::move(package));
    }
    return packages;
}

}  // namespace moat::rpm
