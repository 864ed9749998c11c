#include "registry/distribution/oci_names.h"

#include <nlohmann/json.hpp>

namespace moat::registry {

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One path component: alphanumeric runs joined by '.', '_', '__' or any number of '-'.
bool is_name_component(std::string_view component) {
    if (component.empty() || !is_lower_alnum(component.front()) || !is_lower_alnum(component.back())) return false;
    size_t i = 0;
    while (i < component.size()) {
        if (is_lower_alnum(component[i])) {
            ++i;
            continue;
        }
        size_t start = i;
        while (i < component.size() && !is_lower_alnum(component[i])) ++i;
        std::string_view separator = component.substr(start, i - start);
        bool dashes = separator.find_first_not_of('-') == std::string_view::npos;
        if (!(separator == "." || separator == "_" || separator == "__" || dashes)) return false;
    }
    return true;
}

}  // namespace

bool is_repository_name(std::string_view name) {
    if (name.empty() || name.size() > 255) return false;
    size_t start = 0;
    for (;;) {
        size_t slash = name.find('/', start);
        if (!is_name_component(name.substr(start, slash == std::string_view::npos ? slash : slash - start)))
            return false;
        if (slash == std::string_view::npos) return true;
        start = slash + 1;
    }
}

bool is_tag(std::string_view tag) {
    if (tag.empty() || tag.size() > 128) return false;
    for (size_t i = 0; i < tag.size(); ++i) {
        char c = tag[i];
        bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!word && (i == 0 || (c != '.' && c != '-'))) return false;
    }
    return true;
}

HttpResponse oci_error(int status, std::string_view code, std::string_view message, std::string_view detail) {
    nlohmann::json error{{"code", code}, {"message", message}};
    if (!detail.empty()) error["detail"] = detail;
    nlohmann::json body{{"errors", nlohmann::json::array({error})}};
    return HttpResponse::json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace moat::registry
