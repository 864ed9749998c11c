#include "analyze/lang/lock_text.h"

#include <fmt/format.h>

#include <cstdint>

namespace moat {

void append_utf8(std::string& out, uint32_t code_point) {
    if (code_point < 0x80) {
        out.push_back(static_cast<char>(code_point));
    } else if (code_point < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
        out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else if (code_point < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    }
}

namespace {

std::string utf16_to_utf8(std::string_view bytes, bool little_endian) {
    constexpr uint32_t kReplacement = 0xFFFD;
    std::string out;
    out.reserve(bytes.size() / 2);
    auto unit_at = [&](size_t at) -> uint32_t {
        const auto first = static_cast<unsigned char>(bytes[at]);
        const auto second = static_cast<unsigned char>(bytes[at + 1]);
        return little_endian ? (second << 8 | first) : (first << 8 | second);
    };
    for (size_t at = 0; at + 1 < bytes.size(); at += 2) {
        const uint32_t unit = unit_at(at);
        if (unit >= 0xD800 && unit <= 0xDBFF) {  // high surrogate: needs a low one next
            if (at + 3 < bytes.size()) {
                const uint32_t low = unit_at(at + 2);
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
                    at += 2;
                    continue;
                }
            }
            append_utf8(out, kReplacement);
        } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
            append_utf8(out, kReplacement);
        } else {
            append_utf8(out, unit);
        }
    }
    return out;
}

// The deepest nesting of objects and arrays in `text`, counted outside strings; stops counting
// once past `limit`.
int json_nesting(std::string_view text, int limit) {
    int depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > deepest && (deepest = depth) > limit) return deepest;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

}  // namespace

bool has_utf16_bom(std::string_view bytes) {
    return bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF");
}

std::string decode_lock_text(std::string_view bytes) {
    if (bytes.starts_with("\xEF\xBB\xBF")) return std::string(bytes.substr(3));
    if (bytes.starts_with("\xFF\xFE"))
        return utf16_to_utf8(bytes.substr(2), /*little_endian=*/true);
    if (bytes.starts_with("\xFE\xFF"))
        return utf16_to_utf8(bytes.substr(2), /*little_endian=*/false);
    return std::string(bytes);
}

std::optional<nlohmann::json> parse_bounded_json(std::string_view text,
                                                 const JsonMemberFilter& keep,
                                                 std::vector<std::string>& warnings,
                                                 int max_depth) {
    if (json_nesting(text, max_depth) > max_depth) {
        warnings.push_back(fmt::format("JSON nested deeper than {} levels; not read", max_depth));
        return std::nullopt;
    }
    const auto filter = [&keep](int depth, nlohmann::json::parse_event_t event,
                                nlohmann::json& parsed) {
        if (event != nlohmann::json::parse_event_t::key) return true;
        return keep(depth, parsed.get_ref<const std::string&>());
    };
    try {
        auto document = nlohmann::json::parse(text.begin(), text.end(), filter);
        if (document.is_discarded()) {
            warnings.push_back("JSON document discarded while reading");
            return std::nullopt;
        }
        return document;
    } catch (const nlohmann::json::parse_error& error) {
        // The message quotes the bytes last read, which may be binary: give the position only.
        warnings.push_back(fmt::format("not valid JSON (error at byte {})", error.byte));
    } catch (const nlohmann::json::exception& error) {
        warnings.push_back(fmt::format("not valid JSON ({})", error.id));
    }
    return std::nullopt;
}

std::string json_string(const nlohmann::json& object, std::string_view key) {
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return {};
    return it->get<std::string>();
}

std::vector<Package> read_lock_files(const FileView& files,
                                     const std::function<bool(std::string_view)>& match,
                                     const LockFileParser& parse,
                                     std::vector<std::string>& warnings) {
    std::vector<Package> found;
    for (const auto& file : files.files_matching(match)) {
        std::vector<std::string> notes;
        auto packages = parse(decode_lock_text(file.bytes), notes);
        for (auto& note : notes) warnings.push_back(fmt::format("{}: {}", file.path, note));
        for (auto& package : packages) {
            package.path = file.path;
            package.layer = file.layer;
            found.push_back(std::move(package));
        }
    }
    return found;
}

}  // namespace moat
