#include "analyze/lang/javascript/package_lock.h"

#include <fmt/format.h>

#include <map>
#include <unordered_map>
#include <utility>

#include "analyze/lang/javascript/node_package.h"
#include "analyze/lang/javascript/npm_json.h"

namespace moat {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::string_view kModulesPrefix = "node_modules/";
constexpr std::string_view kLockName = "package-lock.json";
constexpr std::string_view kShrinkwrapName = "npm-shrinkwrap.json";
// A hostile lock can hold millions of bad entries; past this many, only a count is kept.
constexpr size_t kMaxWarnings = 20;
// PATH_MAX: no installed package lives deeper, and it bounds the per-entry cost of a v1 tree.
constexpr size_t kMaxInstallPath = 4096;

// Gathers the pinned packages as the lock is read: each (name, version) once, non-dev when any
// copy is; a (name, version) whose first copy is installed is left to the installed package.
// Past kMaxPackages distinct packages the rest are dropped: a Package costs far more memory
// than the few bytes of lock text that name it.
class Collector {
public:
    static constexpr size_t kMaxPackages = 100'000;

    explicit Collector(const InstalledPackageCheck& installed) : installed_(installed) {}

    void add(std::string_view name, std::string_view version, bool dev,
             std::vector<std::string> licenses, std::string_view install_path) {
        auto key = std::make_pair(std::string(name), std::string(version));
        if (auto it = seen_.find(key); it != seen_.end()) {
            if (it->second == kInstalled) return;
            Package& earlier = packages_[it->second];
            earlier.dev = earlier.dev && dev;
            if (earlier.licenses.empty()) earlier.licenses = std::move(licenses);
            return;
        }
        if (packages_.size() >= kMaxPackages) {
            ++dropped_;
            return;
        }
        if (installed_ && installed_(install_path)) {
            seen_.emplace(std::move(key), kInstalled);
            return;
        }
        Package package;
        package.type = "npm";
        package.name = key.first;
        package.version = key.second;
        package.dev = dev;
        package.licenses = std::move(licenses);
        seen_.emplace(std::move(key), packages_.size());
        packages_.push_back(std::move(package));
    }

    size_t dropped() const { return dropped_; }
    std::vector<Package> take() { return std::move(packages_); }

private:
    static constexpr size_t kInstalled = static_cast<size_t>(-1);
    const InstalledPackageCheck& installed_;
    std::map<std::pair<std::string, std::string>, size_t> seen_;  // -> index, or kInstalled
    std::vector<Package> packages_;
    size_t dropped_ = 0;
};

class Notes {
public:
    explicit Notes(std::vector<std::string>& out) : out_(out) {}
    ~Notes() {
        if (count_ > kMaxWarnings)
            out_.push_back(fmt::format("{} more problems not listed", count_ - kMaxWarnings));
    }
    void add(std::string note) {
        if (count_++ < kMaxWarnings) out_.push_back(std::move(note));
    }

private:
    std::vector<std::string>& out_;
    size_t count_ = 0;
};

std::vector<std::string> licenses_field(object entry) {
    element value;
    if (entry.at_key("license").get(value) != simdjson::SUCCESS) return {};
    return npm::licenses_of(value);
}

// v2/v3: "packages" maps install paths to entries. Only paths under a node_modules directory are
// installed packages; workspace directories ("packages/x") appear through their link entries.
void read_packages_map(object packages, Collector& out, Notes& notes) {
    // Link targets by path, indexed at the first link: most locks have none.
    std::unordered_map<std::string_view, object> by_path;
    auto index_once = [&] {
        if (!by_path.empty()) return;
        for (auto [key, value] : packages) {
            object entry;
            if (value.get(entry) == simdjson::SUCCESS) by_path[key] = entry;
        }
    };
    for (auto [key, value] : packages) {
        if (key.empty()) continue;  // the root project
        object entry;
        if (value.get(entry) != simdjson::SUCCESS) {
            notes.add(fmt::format("packages[\"{}\"] is not an object, skipped", npm::excerpt(key)));
            continue;
        }
        // The last "node_modules/" that starts a path segment: what follows is the name.
        size_t at = key.rfind(kModulesPrefix);
        while (at != std::string_view::npos && at != 0 && key[at - 1] != '/')
            at = key.rfind(kModulesPrefix, at - 1);
        if (at == std::string_view::npos) continue;  // a workspace directory, not an install
        const std::string_view key_name = key.substr(at + kModulesPrefix.size());

        object source = entry;  // where version and license come from
        bool workspace = false;
        if (npm::true_field(entry, "link")) {
            index_once();
            const auto target = npm::string_field(entry, "resolved");
            const auto found = target ? by_path.find(*target) : by_path.end();
            if (found == by_path.end()) {
                notes.add(fmt::format("link \"{}\" points to no entry of the lock, skipped", npm::excerpt(key)));
                continue;
            }
            source = found->second;
            workspace = true;
        }
        // "name" is written when the package's name differs from its folder (npm aliases).
        std::string_view name = key_name;
        if (auto own = npm::string_field(source, "name"); own && npm::is_package_name(*own))
            name = *own;
        if (!npm::is_package_name(name)) {
            notes.add(fmt::format("packages[\"{}\"]: no valid package name, skipped", npm::excerpt(key)));
            continue;
        }
        const auto version = npm::string_field(source, "version");
        if (!workspace && (!version || version->empty())) {
            notes.add(fmt::format("{} (\"{}\") has no string version, skipped", name, npm::excerpt(key)));
            continue;
        }
        out.add(name, version.value_or(""), npm::true_field(entry, "dev"), licenses_field(source), key);
    }
}

// v1 "version" of an npm alias ("foo": {"version": "npm:bar@1.0.0"}) names the real package.
void apply_alias(std::string& name, std::string& version) {
    constexpr std::string_view kAlias = "npm:";
    if (!version.starts_with(kAlias)) return;
    const std::string_view spec = std::string_view(version).substr(kAlias.size());
    const auto at = spec.rfind('@');
    if (at == 0 || at == std::string_view::npos) return;
    if (!npm::is_package_name(spec.substr(0, at)) || at + 1 == spec.size()) return;
    std::string real_name(spec.substr(0, at)), real_version(spec.substr(at + 1));
    name = std::move(real_name);
    version = std::move(real_version);
}

// v1: "dependencies" maps names to entries, each with its own nested "dependencies" installed
// under it. Walked depth first with an explicit stack and one path buffer, so memory stays
// proportional to the depth, which the parser's limit and kMaxInstallPath bound.
void read_dependency_tree(object top, Collector& out, Notes& notes) {
    struct Frame {
        object::iterator next, end;
        size_t path_size;  // length of the parent's install path in `path`
        bool dev;
    };
    std::string path;
    std::vector<Frame> stack{{top.begin(), top.end(), 0, false}};
    while (!stack.empty()) {
        Frame& frame = stack.back();
        if (frame.next == frame.end) {
            stack.pop_back();
            continue;
        }
        const auto [key, value] = *frame.next;
        ++frame.next;
        path.resize(frame.path_size);
        if (!path.empty()) path += '/';
        path += kModulesPrefix;
        path += key;
        if (!npm::is_package_name(key)) {
            notes.add(fmt::format("dependencies key \"{}\" is not a package name, skipped",
                                  npm::excerpt(path)));
            continue;
        }
        object entry;
        if (value.get(entry) != simdjson::SUCCESS) {
            notes.add(fmt::format("{} is not an object, skipped", npm::excerpt(path)));
            continue;
        }
        const bool dev = frame.dev || npm::true_field(entry, "dev");
        if (const auto version = npm::string_field(entry, "version"); version && !version->empty()) {
            std::string name(key), real_version(*version);
            apply_alias(name, real_version);
            out.add(name, real_version, dev, licenses_field(entry), path);
        } else {
            notes.add(fmt::format("{} has no string version, skipped", npm::excerpt(path)));
        }
        object nested;
        if (entry.at_key("dependencies").get(nested) != simdjson::SUCCESS || nested.size() == 0)
            continue;
        if (path.size() >= kMaxInstallPath) {
            notes.add(fmt::format("{}: nested deeper than a file system path can be, skipped",
                                  npm::excerpt(path)));
            continue;
        }
        stack.push_back(Frame{nested.begin(), nested.end(), path.size(), dev});  // `frame` dies
    }
}

}  // namespace

std::vector<Package> parse_package_lock(std::string_view text, std::vector<std::string>& warnings,
                                        const InstalledPackageCheck& installed) {
    simdjson::dom::parser parser;
    auto root = npm::parse_json(parser, text, warnings);
    if (!root) return {};
    object lock;
    if (root->get(lock) != simdjson::SUCCESS) {
        warnings.emplace_back("lock file is not a JSON object");
        return {};
    }

    Collector collector(installed);
    Notes notes(warnings);
    element section;
    object map;
    if (lock.at_key("packages").get(section) == simdjson::SUCCESS) {
        if (section.get(map) == simdjson::SUCCESS)
            read_packages_map(map, collector, notes);
        else
            notes.add("\"packages\" is not an object");
    } else if (lock.at_key("dependencies").get(section) == simdjson::SUCCESS) {
        if (section.get(map) == simdjson::SUCCESS)
            read_dependency_tree(map, collector, notes);
        else
            notes.add("\"dependencies\" is not an object");
    }
    if (collector.dropped() > 0)
        warnings.push_back(fmt::format("more than {} packages; {} more entries not reported",
                                       Collector::kMaxPackages, collector.dropped()));
    return collector.take();
}

namespace {

std::pair<std::string_view, std::string_view> split_directory(std::string_view path) {
    const auto slash = path.rfind('/');
    if (slash == std::string_view::npos) return {{}, path};
    return {path.substr(0, slash + 1), path.substr(slash + 1)};  // directory keeps its '/'
}

bool inside_node_modules(std::string_view directory) {
    return directory.starts_with("node_modules/") ||
           directory.find("/node_modules/") != std::string_view::npos;
}

bool is_lock_path(std::string_view path) {
    const auto [directory, file] = split_directory(path);
    return (file == kLockName || file == kShrinkwrapName) && !inside_node_modules(directory);
}

}  // namespace

PathInterest NpmLockAnalyzer::interest() const {
    PathInterest interest;
    interest.exact = {std::string(kLockName), std::string(kShrinkwrapName)};
    interest.suffixes = {fmt::format("/{}", kLockName), fmt::format("/{}", kShrinkwrapName)};
    interest.max_bytes = kMaxBytes;
    return interest;
}

std::vector<Package> NpmLockAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                              std::vector<std::string>& warnings) const {
    std::vector<Package> packages;
    // Whether an installed package.json at `path` yields a package (then that one is reported);
    // parse results are kept per installed file, since several locks may ask.
    std::unordered_map<std::string, bool> parsed;
    simdjson::dom::parser parser;
    auto installed_at = [&](const std::string& path) {
        const auto manifest = files.read(path);
        if (!manifest || !is_installed_package_json(manifest->path)) return false;
        auto [it, fresh] = parsed.try_emplace(manifest->path, false);
        if (fresh) {
            std::vector<std::string> ignored;  // NodePackageAnalyzer reports its problems
            it->second = parse_node_package_json(parser, manifest->bytes, ignored).has_value();
        }
        return it->second;
    };

    for (const auto& lock : files.files_matching(is_lock_path)) {
        // Not a structured binding: the lambda below captures it (clang 14 cannot).
        const auto split = split_directory(lock.path);
        const std::string_view directory = split.first, file = split.second;
        // npm ignores package-lock.json when npm-shrinkwrap.json sits beside it.
        if (file == kLockName && files.read(fmt::format("{}{}", directory, kShrinkwrapName))) continue;
        std::vector<std::string> notes;
        auto found = parse_package_lock(lock.bytes, notes, [&](std::string_view install_path) {
            return installed_at(fmt::format("{}{}/package.json", directory, install_path));
        });
        for (auto& note : notes) warnings.push_back(fmt::format("{}: {}", lock.path, note));
        for (auto& package : found) {
            package.path = lock.path;
            package.layer = lock.layer;
            packages.push_back(std::move(package));
        }
    }
    return packages;
}

}  // namespace moat
