#include "analyze/lang/java/jar_metadata.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace moat::java {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n\f");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n\f");
    return text.substr(first, last - first + 1);
}

// Splits on "\r\n", "\n" or "\r", as the manifest specification allows.
std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    size_t start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\n' && text[i] != '\r') continue;
        lines.push_back(text.substr(start, i - start));
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        start = i + 1;
    }
    if (start < text.size()) lines.push_back(text.substr(start));
    return lines;
}

const std::string& field(const std::map<std::string, std::string>& manifest, const std::string& name) {
    static const std::string empty;
    const auto it = manifest.find(name);
    return it == manifest.end() ? empty : it->second;
}

// The first of `names` with a non-empty value.
std::string first_of(const std::map<std::string, std::string>& manifest, std::initializer_list<const char*> names) {
    for (const char* name : names)
        if (const auto& value = field(manifest, name); !value.empty()) return value;
    return {};
}

std::string decode_xml_text(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, char>, 5> kEntities = {{
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}}};
    text = trim(text);
    if (text.starts_with("<![CDATA[") && text.ends_with("]]>")) return std::string(text.substr(9, text.size() - 12));
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        bool replaced = false;
        if (text[i] == '&')
            for (const auto& [entity, c] : kEntities)
                if (text.substr(i).starts_with(entity)) {
                    out.push_back(c);
                    i += entity.size() - 1;
                    replaced = true;
                    break;
                }
        if (!replaced) out.push_back(text[i]);
    }
    return out;
}

std::string without_xml_comments(std::string_view xml) {
    std::string out;
    while (!xml.empty()) {
        const auto open = xml.find("<!--");
        out.append(xml.substr(0, open));
        if (open == std::string_view::npos) break;
        const auto close = xml.find("-->", open + 4);
        if (close == std::string_view::npos) break;
        xml.remove_prefix(close + 3);
    }
    return out;
}

bool contains_ci(std::string_view haystack_lower, std::string_view needle_lower) {
    return haystack_lower.find(needle_lower) != std::string_view::npos;
}

}  // namespace

std::map<std::string, std::string> parse_manifest(std::string_view text) {
    std::map<std::string, std::string> attributes;
    std::string name, value;
    auto flush = [&] {
        if (!name.empty()) attributes.emplace(lower(name), std::string(trim(value)));
        name.clear();
        value.clear();
    };
    for (std::string_view line : lines_of(text)) {
        if (line.empty()) break;  // the main section ends at the first blank line
        if (line.front() == ' ') {
            if (!name.empty()) value.append(line.substr(1));
            continue;
        }
        flush();
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) continue;
        name = std::string(trim(line.substr(0, colon)));
        value = std::string(line.substr(colon + 1));
    }
    flush();
    return attributes;
}

ManifestIdentity manifest_identity(const std::map<std::string, std::string>& manifest) {
    ManifestIdentity identity;
    auto& coordinates = identity.coordinates;
    // Jenkins plugins (.hpi/.jpi) name themselves with their own fields.
    const auto& jenkins_group = field(manifest, "group-id");
    const auto& short_name = field(manifest, "short-name");
    const auto& plugin_version = field(manifest, "plugin-version");
    if (!jenkins_group.empty() && !short_name.empty() && !plugin_version.empty()) {
        coordinates = {jenkins_group, short_name, plugin_version};
    } else {
        coordinates.group_id = field(manifest, "implementation-vendor-id");
        if (coordinates.group_id.empty()) {
            // "com.fasterxml.jackson.core.jackson-databind;singleton:=true" -> "com.fasterxml.jackson.core"
            std::string_view symbolic = field(manifest, "bundle-symbolicname");
            symbolic = trim(symbolic.substr(0, symbolic.find(';')));
            if (const auto dot = symbolic.rfind('.'); dot != std::string_view::npos && dot > 0)
                coordinates.group_id = std::string(symbolic.substr(0, dot));
            else
                coordinates.group_id = std::string(symbolic);
        }
        if (coordinates.group_id.empty()) {
            coordinates.group_id = first_of(manifest, {"implementation-vendor", "specification-vendor"});
            identity.vendor_guess = !coordinates.group_id.empty();
        }
        coordinates.artifact_id = first_of(manifest, {"implementation-title", "specification-title", "bundle-name"});
        coordinates.version =
            first_of(manifest, {"implementation-version", "specification-version", "bundle-version"});
    }
    if (const auto& license = field(manifest, "plugin-license-name"); !license.empty())
        identity.licenses.push_back(license);
    for (int n = 2; n < 100; ++n) {
        const auto& license = field(manifest, "plugin-license-name-" + std::to_string(n));
        if (license.empty()) break;
        identity.licenses.push_back(license);
    }
    return identity;
}

Coordinates parse_pom_properties(std::string_view text) {
    Coordinates coordinates;
    std::string logical;  // a line with its backslash continuations joined
    auto take = [&](std::string_view line) {
        line = trim(line);
        if (line.empty() || line.front() == '#' || line.front() == '!') return;
        const auto end = line.find_first_of("=: \t");
        const auto key = line.substr(0, end);
        std::string_view value;
        if (end != std::string_view::npos) {
            value = trim(line.substr(end));
            if (!value.empty() && (value.front() == '=' || value.front() == ':')) value = trim(value.substr(1));
        }
        std::string unescaped;
        for (size_t i = 0; i < value.size(); ++i) {
            if (value[i] == '\\' && i + 1 < value.size()) ++i;
            unescaped.push_back(value[i]);
        }
        if (key == "groupId") coordinates.group_id = unescaped;
        else if (key == "artifactId") coordinates.artifact_id = unescaped;
        else if (key == "version") coordinates.version = unescaped;
    };
    for (std::string_view line : lines_of(text)) {
        const bool continued = line.ends_with('\\') && !line.ends_with("\\\\");
        if (continued) line.remove_suffix(1);
        logical.append(logical.empty() ? line : trim(line));
        if (continued) continue;
        take(logical);
        logical.clear();
    }
    take(logical);
    return coordinates;
}

std::vector<std::string> pom_license_names(std::string_view pom_xml) {
    const std::string xml = without_xml_comments(pom_xml);
    std::vector<std::string> names;
    const auto open = xml.find("<licenses>");
    if (open == std::string::npos) return names;
    const auto close = xml.find("</licenses>", open);
    std::string_view block = std::string_view(xml).substr(open, close == std::string::npos ? std::string::npos : close - open);
    for (size_t at = block.find("<license>"); at != std::string_view::npos; at = block.find("<license>", at + 1)) {
        const auto end = block.find("</license>", at);
        const auto license = block.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
        const auto name_open = license.find("<name>");
        if (name_open == std::string_view::npos) continue;
        const auto name_close = license.find("</name>", name_open);
        if (name_close == std::string_view::npos) continue;
        auto name = decode_xml_text(license.substr(name_open + 6, name_close - name_open - 6));
        if (!name.empty()) names.push_back(std::move(name));
    }
    return names;
}

bool is_license_file(std::string_view entry_path) {
    // Asked of every entry of every archive: compared in place, nothing allocated.
    auto equals_lower = [](std::string_view text, std::string_view lower_word) {
        if (text.size() != lower_word.size()) return false;
        for (size_t i = 0; i < text.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(text[i])) != lower_word[i]) return false;
        return true;
    };
    std::string_view directory, base = entry_path;
    if (const auto slash = entry_path.rfind('/'); slash != std::string_view::npos) {
        directory = entry_path.substr(0, slash);
        base = entry_path.substr(slash + 1);
    }
    if (!directory.empty() && !equals_lower(directory, "meta-inf")) return false;
    const std::string_view name = base.substr(0, base.find('.'));
    return equals_lower(name, "license") || equals_lower(name, "licence");
}

std::string classify_license_text(std::string_view text) {
    // A license names itself in its first lines; the body of one often cites another.
    const std::string head = lower(text.substr(0, 4096));
    struct Rule {
        const char* id;
        std::initializer_list<const char*> all;
    };
    static const Rule kRules[] = {
        {"Apache-2.0", {"apache license", "version 2.0"}},
        {"Apache-2.0", {"apache (software) license, version 2.0"}},
        {"Apache-2.0", {"apache.org/licenses/license-2.0"}},
        {"EPL-2.0", {"eclipse public license - v 2.0"}},
        {"EPL-1.0", {"eclipse public license - v 1.0"}},
        {"LGPL-2.1", {"gnu lesser general public license", "version 2.1"}},
        {"LGPL-3.0", {"gnu lesser general public license", "version 3"}},
        {"GPL-2.0", {"gnu general public license", "version 2"}},
        {"GPL-3.0", {"gnu general public license", "version 3"}},
        {"MIT", {"permission is hereby granted, free of charge"}},
        {"BSD-3-Clause", {"redistribution and use in source and binary forms", "neither the name"}},
        {"BSD-2-Clause", {"redistribution and use in source and binary forms"}},
    };
    for (const auto& rule : kRules)
        if (std::all_of(rule.all.begin(), rule.all.end(), [&](const char* needle) { return contains_ci(head, needle); }))
            return rule.id;
    return {};
}

Coordinates coordinates_from_file_name(std::string_view file_name) {
    Coordinates coordinates;
    if (const auto slash = file_name.rfind('/'); slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
    if (const auto dot = file_name.rfind('.'); dot != std::string_view::npos) file_name = file_name.substr(0, dot);
    for (size_t dash = file_name.find('-'); dash != std::string_view::npos; dash = file_name.find('-', dash + 1)) {
        if (dash == 0 || dash + 1 >= file_name.size() ||
            !std::isdigit(static_cast<unsigned char>(file_name[dash + 1])))
            continue;
        coordinates.artifact_id = std::string(file_name.substr(0, dash));
        coordinates.version = std::string(file_name.substr(dash + 1));
        break;
    }
    return coordinates;
}

}  // namespace moat::java
