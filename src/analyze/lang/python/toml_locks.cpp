#include "analyze/lang/python/toml_locks.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "analyze/lang/toml/lock_toml.h"

namespace moat {
namespace {

using lock_toml::Value;

std::optional<Value> parse_toml(std::string_view text, std::vector<std::string>& warnings) {
    auto document = lock_toml::read(text);
    if (!document) {
        warnings.push_back(document.error().message);
        return std::nullopt;
    }
    return std::move(document).value();
}

// The [[package]] entries with a name and version, each as (table, package) with type, name and
// version filled in; entries without them are skipped (a warning when the name is missing too).
std::vector<std::pair<const Value*, Package>> lock_packages(const Value& document, bool version_required,
                                                            std::vector<std::string>& warnings) {
    std::vector<std::pair<const Value*, Package>> out;
    const auto* entries = document.array_at("package");
    if (!entries) return out;
    size_t index = 0;
    for (const auto& table : entries->items()) {
        ++index;
        if (!table.is_table()) continue;
        const auto name = table.string_at("name");
        const auto version = table.string_at("version");
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
        out.emplace_back(&table, std::move(package));
    }
    return out;
}

bool poetry_dev_only(const Value& entry) {
    if (entry.string_at("category") == "dev") return true;
    const auto* groups = entry.array_at("groups");
    if (!groups || groups->items().empty()) return false;
    return std::none_of(groups->items().begin(), groups->items().end(),
                        [](const Value& group) { return group.is_string() && group.text() == "main"; });
}

// The names listed in a uv dependency array: [{ name = "x" }, { name = "y", extra = [...] }].
void add_dependency_names(const Value* list, std::vector<std::string_view>& names) {
    if (!list || !list->is_array()) return;
    for (const auto& item : list->items())
        if (const auto name = item.string_at("name"); !name.empty()) names.push_back(name);
}

bool is_uv_root(const Value& entry) {
    const auto* source = entry.table_at("source");
    return source && (source->string_at("editable") == "." || source->string_at("virtual") == ".");
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
    std::multimap<std::string_view, const Value*> by_name;
    std::vector<const Value*> roots;
    if (const auto* entries = document->array_at("package"))
        for (const auto& table : entries->items()) {
            if (!table.is_table()) continue;
            if (const auto name = table.string_at("name"); !name.empty()) by_name.emplace(name, &table);
            if (is_uv_root(table)) roots.push_back(&table);
        }

    std::set<std::string_view> reached;
    std::vector<const Value*> pending = roots;
    for (const auto* root : roots) reached.insert(root->string_at("name"));
    while (!pending.empty()) {
        const auto* entry = pending.back();
        pending.pop_back();
        std::vector<std::string_view> next;
        add_dependency_names(entry->find("dependencies"), next);
        if (const auto* extras = entry->table_at("optional-dependencies"))
            for (const auto& [group, list] : extras->members()) add_dependency_names(&list, next);
        for (const auto name : next) {
            if (!reached.insert(name).second) continue;
            const auto [first, last] = by_name.equal_range(name);
            for (auto it = first; it != last; ++it) pending.push_back(it->second);
        }
    }

    std::vector<Package> packages;
    for (auto& [entry, package] : lock_packages(*document, /*version_required=*/false, warnings)) {
        package.dev = !roots.empty() && !reached.count(entry->string_at("name"));
        packages.push_back(std::move(package));
    }
    return packages;
}

}  // namespace moat
