// The only translation unit that includes toml++ (a large header-only library).
#include "analyze/lang/python/toml_locks.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

// toml++ asserts an internal invariant that malformed input breaks (a table header "[[.x"
// reaches parse_key, whose next lines report the error properly); as an assert it aborts debug
// and fuzz builds on hostile files. Its error paths are what we want, so its asserts are off.
#define TOML_ASSERT(expr) static_assert(true)
#include <toml++/toml.h>

#include "analyze/lang/python/python_text.h"

namespace moat {
namespace {

// toml++ bounds the nesting of arrays and inline tables, but not of dotted keys and table
// headers ("[a.b.c...]"), whose tables it later destroys recursively. A lock file names a few
// levels; refuse a document with an absurdly long key path before handing it over. Dots are
// counted per line outside quoted strings (lock files hold no floats, so a legitimate line never
// comes close).
constexpr size_t kMaxKeyDots = 64;

bool has_deep_key_path(std::string_view text) {
    size_t dots = 0;
    char quote = 0;
    bool in_comment = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {  // a key path (and an inline table) never spans lines
            dots = 0, in_comment = false;
            continue;
        }
        if (in_comment) continue;
        if (quote) {
            if (c == '\\' && quote == '"') ++i;
            else if (c == quote) quote = 0;
            continue;
        }
        if (c == '"' || c == '\'') quote = c;
        else if (c == '#') in_comment = true;
        else if (c == '.' && ++dots > kMaxKeyDots) return true;
    }
    return false;
}

std::optional<toml::table> parse_toml(std::string_view text, std::vector<std::string>& warnings) {
    if (has_deep_key_path(text)) {
        warnings.push_back(fmt::format("a key path with more than {} parts; not a lock file", kMaxKeyDots));
        return std::nullopt;
    }
    try {
        return toml::parse(text);
    } catch (const toml::parse_error& error) {
        warnings.push_back(fmt::format("malformed TOML at line {}: {}", error.source().begin.line,
                                       python::to_valid_utf8(error.description())));
        return std::nullopt;
    }
}

std::string_view string_of(const toml::table& table, std::string_view key) {
    const auto* value = table.get_as<std::string>(key);
    return value ? std::string_view(value->get()) : std::string_view{};
}

// The [[package]] entries with a name and version, each as (table, package) with type, name and
// version filled in; entries without them are skipped (a warning when the name is missing too).
std::vector<std::pair<const toml::table*, Package>> lock_packages(
    const toml::table& document, bool version_required, std::vector<std::string>& warnings) {
    std::vector<std::pair<const toml::table*, Package>> out;
    const auto* entries = document.get_as<toml::array>("package");
    if (!entries) return out;
    size_t index = 0;
    for (const auto& node : *entries) {
        ++index;
        const auto* table = node.as_table();
        if (!table) continue;
        const auto name = string_of(*table, "name");
        const auto version = string_of(*table, "version");
        if (name.empty() || (version.empty() && version_required)) {
            warnings.push_back(fmt::format("package #{} has no {}; skipped", index,
                                           name.empty() ? "name" : "version"));
            continue;
        }
        if (version.empty()) continue;
        Package package;
        package.type = "pypi";
        package.name = std::string(name);
        package.version = std::string(version);
        out.emplace_back(table, std::move(package));
    }
    return out;
}

bool poetry_dev_only(const toml::table& entry) {
    if (string_of(entry, "category") == "dev") return true;
    const auto* groups = entry.get_as<toml::array>("groups");
    if (!groups || groups->empty()) return false;
    return std::none_of(groups->begin(), groups->end(), [](const toml::node& group) {
        const auto* text = group.as_string();
        return text && text->get() == "main";
    });
}

// The names listed in a uv dependency array: [{ name = "x" }, { name = "y", extra = [...] }].
void add_dependency_names(const toml::node* list, std::vector<std::string_view>& names) {
    const auto* array = list ? list->as_array() : nullptr;
    if (!array) return;
    for (const auto& item : *array)
        if (const auto* table = item.as_table())
            if (const auto name = string_of(*table, "name"); !name.empty()) names.push_back(name);
}

bool is_uv_root(const toml::table& entry) {
    const auto* source = entry.get_as<toml::table>("source");
    return source && (string_of(*source, "editable") == "." || string_of(*source, "virtual") == ".");
}

}  // namespace

std::vector<Package> parse_poetry_lock(std::string_view text, std::vector<std::string>& warnings) {
    const auto document = parse_toml(text, warnings);
    if (!document) return {};
    std::vector<Package> packages;
    for (auto& [entry, package] : lock_packages(*document, /*version_required=*/true, warnings)) {
        package.dev = poetry_dev_only(*entry);
        packages.push_back(std::move(package));
    }
    return packages;
}

std::vector<Package> parse_uv_lock(std::string_view text, std::vector<std::string>& warnings) {
    const auto document = parse_toml(text, warnings);
    if (!document) return {};
    // Versionless entries still carry dependency edges (a dynamic-version root), so the graph is
    // read from every [[package]], the packages only from those with a version.
    std::multimap<std::string_view, const toml::table*> by_name;
    std::vector<const toml::table*> roots;
    if (const auto* entries = document->get_as<toml::array>("package"))
        for (const auto& node : *entries)
            if (const auto* table = node.as_table()) {
                if (const auto name = string_of(*table, "name"); !name.empty()) by_name.emplace(name, table);
                if (is_uv_root(*table)) roots.push_back(table);
            }

    std::set<std::string_view> reached;
    std::vector<const toml::table*> pending = roots;
    for (const auto* root : roots) reached.insert(string_of(*root, "name"));
    while (!pending.empty()) {
        const auto* entry = pending.back();
        pending.pop_back();
        std::vector<std::string_view> next;
        add_dependency_names(entry->get("dependencies"), next);
        if (const auto* extras = entry->get_as<toml::table>("optional-dependencies"))
            for (const auto& [group, list] : *extras) add_dependency_names(&list, next);
        for (const auto name : next) {
            if (!reached.insert(name).second) continue;
            const auto [first, last] = by_name.equal_range(name);
            for (auto it = first; it != last; ++it) pending.push_back(it->second);
        }
    }

    std::vector<Package> packages;
    for (auto& [entry, package] : lock_packages(*document, /*version_required=*/false, warnings)) {
        package.dev = !roots.empty() && !reached.count(string_of(*entry, "name"));
        packages.push_back(std::move(package));
    }
    return packages;
}

}  // namespace moat
