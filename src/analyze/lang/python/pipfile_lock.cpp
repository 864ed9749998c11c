#include "analyze/lang/python/pipfile_lock.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "analyze/lang/python/python_text.h"

namespace moat {
namespace {

using nlohmann::json;

// A Pipfile.lock nests four levels deep; deeper values are dropped while parsing so a hostile
// file of nested brackets costs no memory.
constexpr int kMaxDepth = 16;

}  // namespace

std::vector<Package> parse_pipfile_lock(std::string_view text, std::vector<std::string>& warnings) {
    const json::parser_callback_t bounded = [](int depth, json::parse_event_t event, json&) {
        return !(depth > kMaxDepth &&
                 (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start));
    };
    const json document = json::parse(text.begin(), text.end(), bounded, /*allow_exceptions=*/false);
    if (document.is_discarded() || !document.is_object()) {
        warnings.push_back("not a JSON object; no packages read");
        return {};
    }
    const auto section = document.find("default");
    if (section == document.end()) return {};
    if (!section->is_object()) {
        warnings.push_back("\"default\" is not an object; no packages read");
        return {};
    }
    std::vector<Package> packages;
    for (const auto& [name, entry] : section->items()) {
        if (!entry.is_object()) continue;
        const auto version = entry.find("version");
        if (version == entry.end() || !version->is_string()) continue;  // path or VCS entry
        std::string_view pin = version->get_ref<const std::string&>();
        if (pin.starts_with("===")) {
            pin.remove_prefix(3);
        } else if (pin.starts_with("==")) {
            pin.remove_prefix(2);
        } else {
            warnings.push_back(fmt::format("{}: version \"{}\" is not a == pin; skipped", name,
                                           std::string(pin)));
            continue;
        }
        pin = python::trim(pin);
        if (!python::is_distribution_name(name) || !python::is_pinned_version(pin)) {
            warnings.push_back(fmt::format("entry \"{}\" has an invalid name or version; skipped", name));
            continue;
        }
        Package package;
        package.type = "pypi";
        package.name = name;
        package.version = std::string(pin);
        packages.push_back(std::move(package));
    }
    return packages;
}

}  // namespace moat
