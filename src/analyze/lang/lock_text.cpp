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

std::string decode_lock_text(std::string_view bytes) {
    if (bytes.starts_with("\xEF\xBB\xBF")) return std::string(bytes.substr(3));
    if (bytes.starts_with("\xFF\xFE"))
        return utf16_to_utf8(bytes.substr(2), /*little_endian=*/true);
    if (bytes.starts_with("\xFE\xFF"))
        return utf16_to_utf8(bytes.substr(2), /*little_endian=*/false);
    return std::string(bytes);
}

namespace {

// A SAX handler building the document without the members `keep` refuses (nor anything inside
// them). nlohmann's own callback parser does the same but, for every object it closes, scans
// the parent for discarded members: quadratic on the 60,000-member objects of a big .deps.json.
class PrunedDocumentBuilder {
  public:
    using json = nlohmann::json;

    explicit PrunedDocumentBuilder(const JsonMemberFilter& keep) : keep_(keep) {}

    json& document() { return root_; }
    std::optional<size_t> error_byte() const { return error_byte_; }

    bool null() { return scalar(nullptr); }
    bool boolean(bool value) { return scalar(value); }
    bool number_integer(json::number_integer_t value) { return scalar(value); }
    bool number_unsigned(json::number_unsigned_t value) { return scalar(value); }
    bool number_float(json::number_float_t value, const json::string_t&) { return scalar(value); }
    bool string(json::string_t& value) { return scalar(std::move(value)); }
    bool binary(json::binary_t&) { return scalar(nullptr); }

    bool start_object(size_t) { return open(json::object()); }
    bool start_array(size_t) { return open(json::array()); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }

    bool key(json::string_t& name) {
        if (skip_depth_ > 0) return true;
        skip_next_ = !keep_(static_cast<int>(open_.size()), name);
        if (!skip_next_) pending_key_ = std::move(name);
        return true;
    }

    bool parse_error(size_t position, const std::string&, const nlohmann::detail::exception&) {
        error_byte_ = position;
        return false;
    }

  private:
    // Where the next value goes: the root, the end of the open array, or the pending key.
    json* place(json value) {
        if (open_.empty()) {
            root_ = std::move(value);
            return &root_;
        }
        json& parent = *open_.back();
        if (parent.is_array()) {
            parent.push_back(std::move(value));
            return &parent.back();
        }
        json& slot = parent[pending_key_];
        slot = std::move(value);
        return &slot;
    }

    template <typename Value>
    bool scalar(Value&& value) {
        if (skip_depth_ > 0) return true;
        if (skip_next_) {
            skip_next_ = false;
            return true;
        }
        place(json(std::forward<Value>(value)));
        return true;
    }

    bool open(json container) {
        if (skip_depth_ > 0 || skip_next_) {
            skip_next_ = false;
            ++skip_depth_;
            return true;
        }
        // Containers are only ever appended to while open, so these pointers stay valid.
        open_.push_back(place(std::move(container)));
        return true;
    }

    bool close() {
        if (skip_depth_ > 0)
            --skip_depth_;
        else if (!open_.empty())
            open_.pop_back();
        return true;
    }

    const JsonMemberFilter& keep_;
    json root_;
    std::vector<json*> open_;
    std::string pending_key_;
    bool skip_next_ = false;
    size_t skip_depth_ = 0;
    std::optional<size_t> error_byte_;
};

}  // namespace

std::optional<nlohmann::json> parse_bounded_json(std::string_view text,
                                                 const JsonMemberFilter& keep,
                                                 std::vector<std::string>& warnings,
                                                 int max_depth) {
    if (json_nesting(text, max_depth) > max_depth) {
        warnings.push_back(fmt::format("JSON nested deeper than {} levels; not read", max_depth));
        return std::nullopt;
    }
    PrunedDocumentBuilder builder(keep);
    bool parsed = false;
    try {
        parsed = nlohmann::json::sax_parse(text.begin(), text.end(), &builder);
    } catch (const nlohmann::json::exception& error) {
        warnings.push_back(fmt::format("not valid JSON ({})", error.id));
        return std::nullopt;
    }
    if (!parsed) {
        // nlohmann's message quotes the bytes last read, which may be binary: the position only.
        warnings.push_back(
            fmt::format("not valid JSON (error at byte {})", builder.error_byte().value_or(0)));
        return std::nullopt;
    }
    return std::move(builder.document());
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
