#include "analyze/lang/javascript/pnpm_lock.h"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "analyze/lang/javascript/block_yaml.h"
#include "analyze/lang/javascript/named_lock_files.h"

namespace moat {
namespace {

// Real pnpm-lock.yaml files of large monorepos stay within a few MiB.
constexpr size_t kMaxPnpmLockBytes = 32ull << 20;
constexpr size_t kMaxWarnings = 20;

struct NameVersion {
    std::string_view name;
    std::string_view version;
};

std::string_view without_leading_slash(std::string_view key) {
    if (key.starts_with('/')) key.remove_prefix(1);
    return key;
}

// A key or reference without its peer-dependency suffix: "a@1.0.0(b@2.0.0)(c@3)" -> "a@1.0.0".
std::string_view without_peers(std::string_view key) { return key.substr(0, key.find('(')); }

// 6.x "/name@1.0.0(peer)" and 9.x "name@1.0.0(peer)"; the '@' of a scope belongs to the name.
std::optional<NameVersion> split_at_key(std::string_view key) {
    key = without_peers(without_leading_slash(key));
    const auto at = key.find('@', 1);
    if (at == std::string_view::npos) return std::nullopt;
    return NameVersion{key.substr(0, at), key.substr(at + 1)};
}

// 5.x "/name/1.0.0_peer", "/@scope/name/1.0.0", or with a registry host in front.
std::optional<NameVersion> split_slash_key(std::string_view key) {
    key = without_leading_slash(key);
    const auto last = key.rfind('/');
    if (last == std::string_view::npos || last == 0) return std::nullopt;
    auto version = key.substr(last + 1);
    version = without_peers(version.substr(0, version.find('_')));
    const auto path = key.substr(0, last);
    size_t start = 0;
    if (const auto slash = path.rfind('/'); slash != std::string_view::npos) {
        start = slash + 1;
        if (slash > 0) {
            const auto previous = path.rfind('/', slash - 1);
            const auto segment = previous == std::string_view::npos ? 0 : previous + 1;
            if (path[segment] == '@') start = segment;
        }
    }
    const auto name = path.substr(start);
    if (name.empty() || name == "@") return std::nullopt;
    return NameVersion{name, version};
}

// A registry version, as opposed to a tarball URL, git reference or "file:" path.
bool is_plain_version(std::string_view version) {
    return !version.empty() && version.find_first_of(":/") == std::string_view::npos;
}

// The major lockfileVersion ("5.4", "6.0", "9.0"); nullopt when absent or unreadable.
std::optional<int> major_version(std::string_view text) {
    int major = 0;
    size_t digits = 0;
    while (digits < text.size() && digits < 4 && text[digits] >= '0' && text[digits] <= '9')
        major = major * 10 + (text[digits++] - '0');
    if (digits == 0) return std::nullopt;
    return major;
}

// A damaged file can say the same thing thousands of times: the first few are enough.
struct WarningSink {
    std::vector<std::string>& warnings;
    size_t count = 0;
    void add(std::string message) {
        if (count++ < kMaxWarnings) warnings.push_back(std::move(message));
    }
};

// Packages found so far, each name@version once; a package is dev only if every entry says so.
class PackageCollector {
public:
    void add(std::string_view name, std::string_view version, bool dev) {
        const auto [it, inserted] =
            index_.try_emplace({std::string(name), std::string(version)}, packages_.size());
        if (!inserted) {
            packages_[it->second].dev = packages_[it->second].dev && dev;
            return;
        }
        Package package;
        package.type = "npm";
        package.name = std::string(name);
        package.version = std::string(version);
        package.dev = dev;
        packages_.push_back(std::move(package));
    }
    std::vector<Package> take() { return std::move(packages_); }

private:
    std::map<std::pair<std::string, std::string>, size_t> index_;
    std::vector<Package> packages_;
};

class PnpmDocumentReader {
public:
    PnpmDocumentReader(const BlockYamlDocument& document, PackageCollector& packages,
                       WarningSink& warnings)
        : doc_(document), packages_(packages), warnings_(warnings) {}

    void read();

private:
    bool is_env_document() const;
    int lockfile_major() const;
    // Name and version of one entry under `packages:`; nullopt (and a warning) when it has none.
    std::optional<NameVersion> identify(const BlockYamlNode& entry, int major) const;
    // 5.x/6.x: every entry but those flagged "dev: true", plus pinned production dependencies.
    void read_flagged_packages(const BlockYamlNode& list, int major);
    // 9.x: every entry; dev from what the importers' dependency sections reach in `snapshots`.
    void read_v9_packages(const BlockYamlNode& list);
    // Package keys (name@version, no peers) the importers' given dependency sections reach.
    struct Reached {
        std::unordered_set<std::string_view> keys;  // into the document
        std::set<std::string, std::less<>> unlisted;  // reached, but without a snapshot
        bool contains(std::string_view key) const {
            return keys.contains(key) || unlisted.contains(key);
        }
    };
    void read_snapshots();
    Reached reachable_from(std::initializer_list<std::string_view> sections) const;
    // The snapshot "name@reference" (or "reference" itself, for an alias) denotes.
    std::optional<uint32_t> snapshot_id(std::string_view name, std::string_view reference,
                                        std::string& buffer) const;

    const BlockYamlDocument& doc_;
    PackageCollector& packages_;
    WarningSink& warnings_;
    // 9.x snapshots, numbered: key -> id, id -> key, id -> the ids it depends on.
    std::unordered_map<std::string_view, uint32_t> snapshot_ids_;
    std::vector<std::string_view> snapshot_keys_;
    std::vector<std::vector<uint32_t>> edges_;
};

bool PnpmDocumentReader::is_env_document() const {
    const auto* importers = doc_.child(doc_.root(), "importers");
    if (!importers) return false;
    bool tooling = false;
    for (const auto* importer : doc_.children(*importers)) {
        for (const auto* section : doc_.children(*importer)) {
            if (section->key == "dependencies" || section->key == "devDependencies" ||
                section->key == "optionalDependencies") {
                if (section->first_child != BlockYamlNode::kNone) return false;
            } else if (section->key == "packageManagerDependencies" ||
                       section->key == "configDependencies") {
                tooling = true;
            }
        }
    }
    return tooling;
}

int PnpmDocumentReader::lockfile_major() const {
    const auto stated = doc_.child_value(doc_.root(), "lockfileVersion");
    if (const auto major = major_version(stated)) return *major;
    // No readable version: guess from the layout (9.x alone has snapshots, 6.x keys use '@').
    int guess = 5;
    if (doc_.child(doc_.root(), "snapshots")) {
        guess = 9;
    } else if (const auto* list = doc_.child(doc_.root(), "packages")) {
        const auto entries = doc_.children(*list);
        if (!entries.empty() && without_leading_slash(entries.front()->key).find('@', 1) !=
                                    std::string_view::npos)
            guess = 6;
    }
    warnings_.add(fmt::format("lockfileVersion \"{}\" not understood, read as {}.x",
                                    stated, guess));
    return guess;
}

std::optional<NameVersion> PnpmDocumentReader::identify(const BlockYamlNode& entry,
                                                        int major) const {
    const auto from_key = major < 6 ? split_slash_key(entry.key) : split_at_key(entry.key);
    NameVersion found;
    found.name = doc_.child_value(entry, "name");
    found.version = doc_.child_value(entry, "version");
    if (found.name.empty() && from_key) found.name = from_key->name;
    if (found.version.empty() && from_key && is_plain_version(from_key->version))
        found.version = from_key->version;
    if (found.name.empty()) {
        warnings_.add(fmt::format("line {}: no package name in \"{}\", entry skipped",
                                        entry.line, entry.key));
        return std::nullopt;
    }
    return found;
}

void PnpmDocumentReader::read_flagged_packages(const BlockYamlNode& list, int major) {
    std::set<std::pair<std::string_view, std::string_view>> listed;
    for (const auto* entry : doc_.children(list)) {
        if (entry->sequence_item) continue;
        const auto found = identify(*entry, major);
        if (!found) continue;
        listed.emplace(found->name, found->version);
        if (doc_.child_value(*entry, "dev") != "true")
            packages_.add(found->name, found->version, false);
    }
    // A production dependency the project pins is installed even when a trimmed lock file
    // leaves its entry out (Syft reports those too).
    std::vector<const BlockYamlNode*> projects{&doc_.root()};
    if (const auto* importers = doc_.child(doc_.root(), "importers"))
        for (const auto* importer : doc_.children(*importers)) projects.push_back(importer);
    for (const auto* project : projects) {
        for (const auto section : {"dependencies", "optionalDependencies"}) {
            const auto* dependencies = doc_.child(*project, section);
            if (!dependencies) continue;
            for (const auto* dependency : doc_.children(*dependencies)) {
                // 6.x: {specifier, version}; 5.x: the version as the value.
                auto version = doc_.child_value(*dependency, "version");
                if (version.empty()) version = dependency->value;
                version = without_peers(version);
                if (major < 6) version = version.substr(0, version.find('_'));
                if (dependency->sequence_item || !is_plain_version(version) ||
                    listed.contains({dependency->key, version}))
                    continue;
                listed.emplace(dependency->key, version);
                packages_.add(dependency->key, version, false);
            }
        }
    }
}

std::optional<uint32_t> PnpmDocumentReader::snapshot_id(std::string_view name,
                                                        std::string_view reference,
                                                        std::string& buffer) const {
    buffer.assign(name).append("@").append(reference);
    if (const auto it = snapshot_ids_.find(buffer); it != snapshot_ids_.end()) return it->second;
    // An aliased dependency refers to its package by full key ("alias: real@1.0.0").
    if (const auto it = snapshot_ids_.find(reference); it != snapshot_ids_.end()) return it->second;
    return std::nullopt;
}

void PnpmDocumentReader::read_snapshots() {
    const auto* snapshots = doc_.child(doc_.root(), "snapshots");
    if (!snapshots) return;
    const auto entries = doc_.children(*snapshots);
    for (const auto* snapshot : entries) {
        const auto key = without_leading_slash(snapshot->key);
        if (snapshot_ids_.try_emplace(key, static_cast<uint32_t>(snapshot_keys_.size())).second)
            snapshot_keys_.push_back(key);
    }
    edges_.resize(snapshot_keys_.size());
    std::string buffer;
    for (const auto* snapshot : entries) {
        auto& next = edges_[snapshot_ids_.at(without_leading_slash(snapshot->key))];
        for (const auto section : {"dependencies", "optionalDependencies"}) {
            const auto* dependencies = doc_.child(*snapshot, section);
            if (!dependencies) continue;
            for (const auto* dependency : doc_.children(*dependencies))
                if (const auto id = snapshot_id(dependency->key, dependency->value, buffer))
                    next.push_back(*id);
        }
    }
}

PnpmDocumentReader::Reached PnpmDocumentReader::reachable_from(
    std::initializer_list<std::string_view> sections) const {
    Reached reached;
    std::vector<bool> visited(snapshot_keys_.size());
    std::vector<uint32_t> pending;
    std::string buffer;
    const auto visit = [&](uint32_t id) {
        if (visited[id]) return;
        visited[id] = true;
        reached.keys.insert(without_peers(snapshot_keys_[id]));
        pending.push_back(id);
    };
    if (const auto* importers = doc_.child(doc_.root(), "importers")) {
        for (const auto* importer : doc_.children(*importers)) {
            for (const auto section : sections) {
                const auto* dependencies = doc_.child(*importer, section);
                if (!dependencies) continue;
                for (const auto* dependency : doc_.children(*dependencies)) {
                    // 9.x: {specifier, version}; older importers: the version as the value.
                    auto reference = doc_.child_value(*dependency, "version");
                    if (reference.empty()) reference = dependency->value;
                    if (reference.empty() || reference.starts_with("link:")) continue;
                    if (const auto id = snapshot_id(dependency->key, reference, buffer))
                        visit(*id);
                    else  // a package without a snapshot (pnpm leaves out empty ones at times)
                        reached.unlisted.emplace(without_peers(buffer));
                }
            }
        }
    }
    while (!pending.empty()) {
        const auto id = pending.back();
        pending.pop_back();
        for (const auto next : edges_[id]) visit(next);
    }
    return reached;
}

void PnpmDocumentReader::read_v9_packages(const BlockYamlNode& list) {
    read_snapshots();
    const auto production = reachable_from({"dependencies", "optionalDependencies"});
    const auto development = reachable_from({"devDependencies"});
    for (const auto* entry : doc_.children(list)) {
        if (entry->sequence_item) continue;
        const auto found = identify(*entry, 9);
        if (!found) continue;
        const auto key = without_peers(without_leading_slash(entry->key));
        const bool dev = development.contains(key) && !production.contains(key);
        packages_.add(found->name, found->version, dev);
    }
}

void PnpmDocumentReader::read() {
    if (doc_.empty() || is_env_document()) return;
    const auto* list = doc_.child(doc_.root(), "packages");
    if (!list) return;  // a project without dependencies
    const int major = lockfile_major();
    if (major >= 9)
        read_v9_packages(*list);
    else
        read_flagged_packages(*list, major);
}

}  // namespace

std::vector<Package> parse_pnpm_lock(std::string_view text, std::vector<std::string>& warnings) {
    PackageCollector packages;
    WarningSink sink{warnings};
    for (const auto& document : parse_block_yaml(text, warnings))
        PnpmDocumentReader(document, packages, sink).read();
    if (sink.count > kMaxWarnings)
        warnings.push_back(fmt::format("{} more warnings like these", sink.count - kMaxWarnings));
    return packages.take();
}

PathInterest PnpmLockAnalyzer::interest() const {
    return named_lock_file_interest("pnpm-lock.yaml", kMaxPnpmLockBytes);
}

std::vector<Package> PnpmLockAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                               std::vector<std::string>& warnings) const {
    return packages_from_named_lock_files(files, "pnpm-lock.yaml", parse_pnpm_lock, warnings);
}

}  // namespace moat
