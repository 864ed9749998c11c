#include "analyze/pkg/dpkg_analyzer.h"

#include "vulndb/version/dpkg_version.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <unordered_set>
#include <utility>

namespace moat {
namespace {

constexpr std::string_view kStatusPath = "var/lib/dpkg/status";
constexpr std::string_view kStatusDir = "var/lib/dpkg/status.d/";
constexpr std::string_view kInfoDir = "var/lib/dpkg/info/";

constexpr std::string_view kBlank = " \t\r\n\v\f";

std::string_view trim(std::string_view text) {
    const auto begin = text.find_first_not_of(kBlank);
    if (begin == std::string_view::npos) return {};
    return text.substr(begin, text.find_last_not_of(kBlank) - begin + 1);
}

bool equals_nocase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Calls on_line(line) for each line, without its "\n" or "\r\n".
template <typename LineFn>
void for_each_line(std::string_view text, LineFn&& on_line) {
    while (!text.empty()) {
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        on_line(line);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Stanzas

// The fields we read; the rest (Description, Conffiles, Depends, ...) are skipped uncopied.
struct Stanza {
    size_t first_line = 0;
    std::optional<std::string_view> package, version, status, architecture, source, maintainer;
};

constexpr std::pair<std::string_view, std::optional<std::string_view> Stanza::*> kStanzaFields[] = {
    {"Package", &Stanza::package}, {"Version", &Stanza::version},
    {"Status", &Stanza::status},   {"Architecture", &Stanza::architecture},
    {"Source", &Stanza::source},   {"Maintainer", &Stanza::maintainer},
};

// The third Status word is the current state. These states have the package's files on disk
// and configured (the trigger states differ only in pending trigger runs); unpacked,
// half-installed, half-configured, config-files and not-installed do not count, whatever the
// wanted action ("deinstall ok installed" is still installed).
constexpr std::string_view kInstalledStates[] = {"installed", "triggers-awaited",
                                                 "triggers-pending"};

bool is_installed_status(std::string_view status) {
    std::string_view word;
    for (int index = 0; index < 3; ++index) {
        status = status.substr(std::min(status.size(), status.find_first_not_of(kBlank)));
        const auto end = std::min(status.size(), status.find_first_of(kBlank));
        word = status.substr(0, end);
        status.remove_prefix(end);
    }
    for (auto state : kInstalledStates)
        if (word == state) return true;
    return false;
}

// Source: "gcc-8 (8-20180414-1ubuntu2)" has its own version; a bare "shadow" shares the binary's
// (epoch included); no Source: means the package is its own source.
void set_source(Package& package, std::optional<std::string_view> source) {
    package.source_name = package.name;
    package.source_version = package.version;
    if (!source) return;
    const auto open = source->find('(');
    const auto name = trim(source->substr(0, open));
    if (!name.empty()) package.source_name = std::string(name);
    if (open == std::string_view::npos) return;
    const auto close = source->find(')', open);
    const auto version = trim(source->substr(
        open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1));
    if (!version.empty()) package.source_version = std::string(version);
}

void add_package(const Stanza& stanza, bool status_d_file, std::vector<Package>& out,
                 std::vector<std::string>& warnings) {
    const auto name = stanza.package.value_or("");
    if (name.empty()) {
        warnings.push_back(
            fmt::format("line {}: stanza without a package name, skipped", stanza.first_line));
        return;
    }
    if (!stanza.status) {
        // Distroless status.d files carry no Status; in the real status file it is damage.
        if (!status_d_file) {
            warnings.push_back(fmt::format("line {}: package {} has no Status field, skipped",
                                           stanza.first_line, name));
            return;
        }
    } else if (!is_installed_status(*stanza.status)) {
        return;
    }
    const auto version = stanza.version.value_or("");
    if (version.empty()) {
        // A status.d stanza names a package the image builder put in; report it even so.
        if (!status_d_file) {
            warnings.push_back(fmt::format("line {}: package {} has no Version, skipped",
                                           stanza.first_line, name));
            return;
        }
        warnings.push_back(fmt::format("line {}: package {} has no Version, reported without one",
                                       stanza.first_line, name));
    } else if (!dpkg_version_valid(version)) {
        warnings.push_back(fmt::format("line {}: package {} has an invalid version '{}', skipped",
                                       stanza.first_line, name, version));
        return;
    }

    Package package;
    package.type = "deb";
    package.name = std::string(name);
    package.version = std::string(version);
    package.arch = std::string(stanza.architecture.value_or(""));
    package.maintainer = std::string(stanza.maintainer.value_or(""));
    set_source(package, stanza.source);
    out.push_back(std::move(package));
}

// ---------------------------------------------------------------------------------------------
// Installed files

// info/<pkg>.list names every path the package unpacked, directories included ("/.", "/usr").
// A path that is the parent of another entry is a directory; the rest are the package's files.
std::vector<std::string> files_from_list(std::string_view text) {
    std::vector<std::string_view> entries;
    std::unordered_set<std::string_view> parents;
    for_each_line(text, [&](std::string_view line) {
        while (!line.empty() && line.front() == '/') line.remove_prefix(1);
        if (line.empty() || line == ".") return;
        entries.push_back(line);
        for (auto slash = line.find('/'); slash != std::string_view::npos;
             slash = line.find('/', slash + 1))
            parents.insert(line.substr(0, slash));
    });
    std::vector<std::string> files;
    for (auto entry : entries)
        if (!parents.contains(entry)) files.emplace_back(entry);
    return files;
}

// <pkg>.md5sums: "<md5>  <path>" per file, paths relative to the root.
std::vector<std::string> files_from_md5sums(std::string_view text) {
    std::vector<std::string> files;
    for_each_line(text, [&](std::string_view line) {
        const auto space = line.find(' ');
        if (space == std::string_view::npos) return;
        auto path = line.substr(space);
        path.remove_prefix(std::min(path.size(), path.find_first_not_of(" *")));
        while (!path.empty() && path.front() == '/') path.remove_prefix(1);
        if (!path.empty()) files.emplace_back(path);
    });
    return files;
}

std::vector<std::string> installed_files(const FileView& files, const Package& package,
                                         bool status_d_file) {
    if (status_d_file) {
        // Distroless keeps <pkg>.md5sums beside the stanza file; there is no info/ directory.
        const auto md5sums = files.read(fmt::format("{}{}.md5sums", kStatusDir, package.name));
        return md5sums ? files_from_md5sums(md5sums->bytes) : std::vector<std::string>{};
    }
    // Multi-Arch: same packages name the list <pkg>:<arch>.list.
    auto list = files.read(fmt::format("{}{}.list", kInfoDir, package.name));
    if (!list) list = files.read(fmt::format("{}{}:{}.list", kInfoDir, package.name, package.arch));
    return list ? files_from_list(list->bytes) : std::vector<std::string>{};
}

// Companions dpkg keeps beside a distroless stanza file; they are not package databases.
constexpr std::string_view kControlFileSuffixes[] = {
    ".md5sums", ".conffiles", ".list",   ".preinst", ".postinst", ".prerm",
    ".postrm",  ".config",    ".shlibs", ".symbols", ".triggers", ".templates",
};

bool is_status_d_stanza_file(std::string_view path) {
    if (path.size() <= kStatusDir.size() || path.substr(0, kStatusDir.size()) != kStatusDir)
        return false;
    const auto file_name = path.substr(kStatusDir.size());
    if (file_name.find('/') != std::string_view::npos) return false;
    for (auto suffix : kControlFileSuffixes)
        if (ends_with(file_name, suffix)) return false;
    return true;
}

}  // namespace

std::vector<Package> parse_dpkg_status(std::string_view text, bool status_d_file,
                                       std::vector<std::string>& warnings) {
    std::vector<Package> packages;
    Stanza stanza;
    bool in_stanza = false;
    size_t line_number = 0;
    for_each_line(text, [&](std::string_view line) {
        ++line_number;
        if (trim(line).empty()) {  // stanza separator
            if (in_stanza) add_package(stanza, status_d_file, packages, warnings);
            stanza = Stanza{};
            in_stanza = false;
            return;
        }
        if (!in_stanza) stanza.first_line = line_number;
        in_stanza = true;
        if (line.front() == ' ' || line.front() == '\t') return;  // continues a multi-line field
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) return;
        const auto key = line.substr(0, colon);
        for (const auto& [field_name, field] : kStanzaFields) {
            // dpkg refuses duplicate fields; the first one is kept here.
            if (equals_nocase(key, field_name) && !(stanza.*field))
                stanza.*field = trim(line.substr(colon + 1));
        }
    });
    if (in_stanza) add_package(stanza, status_d_file, packages, warnings);
    return packages;
}

PathInterest DpkgAnalyzer::interest() const {
    PathInterest interest;
    interest.exact = {std::string(kStatusPath)};
    interest.globs = {std::string(kStatusDir) + "*", std::string(kInfoDir) + "*.list"};
    return interest;
}

std::vector<Package> DpkgAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                           std::vector<std::string>& warnings) const {
    std::vector<Package> packages;
    auto add_database = [&](const FileContent& database, bool status_d_file) {
        std::vector<std::string> notes;
        auto found = parse_dpkg_status(database.bytes, status_d_file, notes);
        for (auto& note : notes) warnings.push_back(fmt::format("{}: {}", database.path, note));
        for (auto& package : found) {
            package.path = database.path;
            package.layer = database.layer;
            package.installed_files = installed_files(files, package, status_d_file);
            packages.push_back(std::move(package));
        }
    };
    if (auto status = files.read(kStatusPath)) add_database(*status, false);
    for (const auto& database : files.files_matching(is_status_d_stanza_file))
        add_database(database, true);
    return packages;
}

}  // namespace moat
