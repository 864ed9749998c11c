#include "analyze/lang/javascript/yarn_lock.h"

#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <set>
#include <utility>

#include "analyze/lang/javascript/named_lock_files.h"

namespace moat {
namespace {

constexpr size_t kMaxWarnings = 20;
// Real yarn.lock files of large monorepos stay within a few MiB.
constexpr size_t kMaxYarnLockBytes = 32ull << 20;
// What yarn berry writes as the version of a workspace whose package.json declares none.
constexpr std::string_view kUnversionedWorkspace = "0.0.0-use.local";

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

// `text` without its surrounding double quotes, if it has them.
std::string_view unquote(std::string_view text) {
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
        return text.substr(1, text.size() - 2);
    return text;
}

// One "name@range" or "name@protocol:selector" split at the '@' after the name (a scope's
// leading '@' belongs to the name). nullopt when there is no such '@'.
struct Descriptor {
    std::string_view name;
    std::string_view protocol;  // "" for a plain semver range
    std::string_view selector;  // what follows the protocol
};

// An npm package name as far as a lock file can get it wrong: "name" or "@scope/name", no
// spaces or quotes.
bool plausible_name(std::string_view name) {
    if (name.empty() || name.find_first_of(" \t\"',") != std::string_view::npos) return false;
    if (!name.starts_with('@')) return true;
    const auto slash = name.find('/');
    return slash != std::string_view::npos && slash > 1 && slash + 1 < name.size();
}

bool plausible_version(std::string_view version) {
    return !version.empty() && version.find_first_of(" \t\"'") == std::string_view::npos;
}

std::optional<Descriptor> split_descriptor(std::string_view text) {
    const auto at = text.find('@', 1);
    if (at == std::string_view::npos || !plausible_name(text.substr(0, at))) return std::nullopt;
    Descriptor descriptor{text.substr(0, at), {}, text.substr(at + 1)};
    // A protocol is a scheme-like word before ':' ("npm:", "workspace:", "git+ssh:", "https:").
    size_t end = 0;
    const auto range = descriptor.selector;
    while (end < range.size() && (std::isalnum(static_cast<unsigned char>(range[end])) ||
                                  range[end] == '+' || range[end] == '-' || range[end] == '.'))
        ++end;
    if (end > 0 && end < range.size() && range[end] == ':' &&
        std::isalpha(static_cast<unsigned char>(range[0]))) {
        descriptor.protocol = range.substr(0, end);
        descriptor.selector = range.substr(end + 1);
    }
    return descriptor;
}

enum class Source { registry, remote, workspace, local, unknown };

Source classify(std::string_view protocol) {
    if (protocol.empty() || protocol == "npm") return Source::registry;
    if (protocol == "workspace") return Source::workspace;
    for (std::string_view remote : {"http", "https", "git", "git+ssh", "git+http", "git+https",
                                    "ssh", "github", "gitlab", "bitbucket"})
        if (protocol == remote) return Source::remote;
    for (std::string_view local : {"patch", "file", "link", "portal", "exec"})
        if (protocol == local) return Source::local;
    return Source::unknown;
}

// The package a registry tarball URL names: ".../@scope/name/-/name-1.0.0.tgz" -> "@scope/name".
// nullopt for any other URL (git hosts, codeload archives, local paths).
std::optional<std::string_view> tarball_package_name(std::string_view url) {
    url = url.substr(0, url.find('#'));
    size_t path_begin = 0;
    if (const auto scheme = url.find("://"); scheme != std::string_view::npos) {
        path_begin = url.find('/', scheme + 3);
        if (path_begin == std::string_view::npos) return std::nullopt;
    }
    const auto dash = url.find("/-/", path_begin);
    if (dash == std::string_view::npos || dash == 0 || !url.ends_with(".tgz")) return std::nullopt;
    const auto slash = url.rfind('/', dash - 1);
    if (slash == std::string_view::npos || slash < path_begin || slash + 1 == dash)
        return std::nullopt;
    auto start = slash + 1;
    if (slash > path_begin) {
        const auto scope_slash = url.rfind('/', slash - 1);
        if (scope_slash != std::string_view::npos && scope_slash >= path_begin &&
            url[scope_slash + 1] == '@')
            start = scope_slash + 1;
    }
    const auto name = url.substr(start, dash - start);
    if (name.find('%') != std::string_view::npos) return std::nullopt;  // "@scope%2fname"
    return name;
}

struct Entry {
    size_t line = 0;
    std::string_view first_descriptor;  // unquoted
    std::optional<size_t> field_indent;
    std::string_view version, resolved, resolution;
};

class YarnLockReader {
public:
    explicit YarnLockReader(std::vector<std::string>& warnings) : warnings_(warnings) {}

    void read_line(size_t number, std::string_view line);
    std::vector<Package> finish() {
        finish_entry();
        return std::move(packages_);
    }

private:
    void warn(size_t line, std::string message) {
        if (warning_count_++ < kMaxWarnings)
            warnings_.push_back(fmt::format("line {}: {}", line, message));
    }
    void start_entry(size_t number, std::string_view header);
    void read_field(std::string_view content);
    void finish_entry();
    void add(std::string_view name, std::string_view version);

    std::vector<std::string>& warnings_;
    size_t warning_count_ = 0;
    std::optional<Entry> entry_;
    std::vector<Package> packages_;
    std::set<std::pair<std::string, std::string>> seen_;
};

void YarnLockReader::start_entry(size_t number, std::string_view header) {
    finish_entry();
    if (!header.ends_with(':')) {
        warn(number, "line at the top level is no entry header, ignored");
        return;
    }
    header = trim(header.substr(0, header.size() - 1));
    if (header == "__metadata") return;  // berry's own settings
    // Classic: `"a@^1", a@^2:`; berry: `"a@npm:^1, a@npm:^2":`. Only the first descriptor is
    // needed: every descriptor of an entry resolves to the same package.
    std::string_view first;
    if (header.starts_with('"')) {
        const auto close = header.find('"', 1);
        first = header.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    } else {
        first = header;
    }
    first = trim(first.substr(0, first.find(',')));
    entry_ = Entry{number, first, std::nullopt, {}, {}, {}};
}

// `version "1.0.0"`, `"version" "1.0.0"` (classic) or `version: 1.0.0` (berry).
void YarnLockReader::read_field(std::string_view content) {
    std::string_view key, rest;
    if (content.starts_with('"')) {
        const auto close = content.find('"', 1);
        if (close == std::string_view::npos) return;
        key = content.substr(1, close - 1);
        rest = content.substr(close + 1);
    } else {
        const auto end = content.find_first_of(" \t:");
        if (end == std::string_view::npos) return;
        key = content.substr(0, end);
        rest = content.substr(end);
    }
    if (rest.starts_with(':')) rest.remove_prefix(1);
    const auto value = unquote(trim(rest));
    if (value.empty()) return;
    auto& entry = *entry_;
    if (key == "version" && entry.version.empty()) entry.version = value;
    else if (key == "resolved" && entry.resolved.empty()) entry.resolved = value;
    else if (key == "resolution" && entry.resolution.empty()) entry.resolution = value;
}

void YarnLockReader::add(std::string_view name, std::string_view version) {
    if (!seen_.emplace(std::string(name), std::string(version)).second) return;
    Package package;
    package.type = "npm";
    package.name = std::string(name);
    package.version = std::string(version);
    packages_.push_back(std::move(package));
}

void YarnLockReader::finish_entry() {
    if (!entry_) return;
    const Entry entry = *entry_;
    entry_.reset();
    const auto key = split_descriptor(entry.first_descriptor);
    // Berry records how the entry was resolved; classic only what was asked for.
    const auto locator = entry.resolution.empty() ? key : split_descriptor(entry.resolution);
    if (!key || !locator) {
        warn(entry.line, fmt::format("cannot read the package name of \"{}\", entry skipped",
                                     entry.first_descriptor));
        return;
    }
    if (!plausible_version(entry.version)) {
        warn(entry.line, fmt::format("{} has no readable version, entry skipped", key->name));
        return;
    }
    switch (classify(locator->protocol)) {
        case Source::workspace:
            // The project itself: reported only when it declares a version of its own.
            if (entry.version != kUnversionedWorkspace) add(key->name, entry.version);
            return;
        case Source::local:
            return;
        case Source::unknown:
            warn(entry.line, fmt::format("{}: unsupported protocol \"{}:\", entry skipped",
                                         key->name, locator->protocol));
            return;
        case Source::remote:
            add(locator->name, entry.version);
            return;
        case Source::registry:
            break;
    }
    std::string_view name = locator->name;
    // "alias@npm:real@^1": the package installed is `real`.
    if (locator->protocol == "npm") {
        if (const auto aliased = split_descriptor(locator->selector)) name = aliased->name;
    }
    // Classic: a registry tarball names the package fetched (an alias, a fork under a scope).
    if (const auto fetched = tarball_package_name(entry.resolved); fetched && plausible_name(*fetched))
        name = *fetched;
    add(name, entry.version);
}

void YarnLockReader::read_line(size_t number, std::string_view line) {
    const auto indent = line.find_first_not_of(" \t");
    if (indent == std::string_view::npos) return;
    const auto content = trim(line.substr(indent));
    if (content.starts_with('#')) return;
    if (indent == 0) {
        start_entry(number, content);
        return;
    }
    if (!entry_) return;
    // Fields sit at the entry's first indentation; deeper lines (dependencies, bin) are not read.
    if (!entry_->field_indent) entry_->field_indent = indent;
    if (indent == *entry_->field_indent) read_field(content);
}

}  // namespace

std::vector<Package> parse_yarn_lock(std::string_view text, std::vector<std::string>& warnings) {
    YarnLockReader reader(warnings);
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
    size_t number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        reader.read_line(++number, line);
    }
    return reader.finish();
}

PathInterest YarnLockAnalyzer::interest() const {
    return named_lock_file_interest("yarn.lock", kMaxYarnLockBytes);
}

std::vector<Package> YarnLockAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                               std::vector<std::string>& warnings) const {
    return packages_from_named_lock_files(files, "yarn.lock", parse_yarn_lock, warnings);
}

}  // namespace moat
