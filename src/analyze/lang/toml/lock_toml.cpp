#include "analyze/lang/toml/lock_toml.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>

namespace moat::lock_toml {

const Value* Value::find(std::string_view key) const {
    if (kind_ != Kind::table) return nullptr;
    const auto it = members_.find(key);
    return it == members_.end() ? nullptr : &it->second;
}

std::string_view Value::string_at(std::string_view key) const {
    const auto* value = find(key);
    return value && value->is_string() ? std::string_view(value->text_) : std::string_view{};
}

const Value* Value::table_at(std::string_view key) const {
    const auto* value = find(key);
    return value && value->is_table() ? value : nullptr;
}

const Value* Value::array_at(std::string_view key) const {
    const auto* value = find(key);
    return value && value->is_array() ? value : nullptr;
}

namespace {

// The offset of the first byte that is not part of well-formed UTF-8 (no overlong forms, no
// surrogates, nothing past U+10FFFF), or npos. TOML documents are UTF-8.
size_t invalid_utf8_at(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {
            ++i;
            continue;
        }
        size_t length = 0;
        uint32_t code = 0, minimum = 0;
        if ((byte & 0xE0) == 0xC0) length = 2, code = byte & 0x1F, minimum = 0x80;
        else if ((byte & 0xF0) == 0xE0) length = 3, code = byte & 0x0F, minimum = 0x800;
        else if ((byte & 0xF8) == 0xF0) length = 4, code = byte & 0x07, minimum = 0x10000;
        else return i;
        if (text.size() - i < length) return i;
        for (size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return i;
            code = (code << 6) | (next & 0x3F);
        }
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
        i += length;
    }
    return std::string_view::npos;
}

// A byte as an error message shows it: printable ASCII as itself, anything else in hex.
std::string describe(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte > 0x20 && byte < 0x7F) return fmt::format("'{}'", c);
    if (c == '\0') return "the end";
    return fmt::format("byte 0x{:02x}", byte);
}

bool is_bare_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

// Characters of an unquoted value: numbers, booleans, floats, dates and times.
bool is_scalar_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("+-._:").find(c) != std::string_view::npos;
}

enum class IntegerForm { not_integer, integer, out_of_range };

// TOML integers: decimal with an optional sign and no leading zero, or 0x / 0o / 0b without a
// sign; single underscores may separate digits.
IntegerForm parse_integer(std::string_view token, int64_t& out) {
    bool negative = false;
    int base = 10;
    if (token.starts_with("0x")) base = 16, token.remove_prefix(2);
    else if (token.starts_with("0o")) base = 8, token.remove_prefix(2);
    else if (token.starts_with("0b")) base = 2, token.remove_prefix(2);
    else if (!token.empty() && (token[0] == '+' || token[0] == '-')) negative = token[0] == '-', token.remove_prefix(1);
    if (token.empty() || token.front() == '_' || token.back() == '_') return IntegerForm::not_integer;
    if (base == 10 && token.size() > 1 && token[0] == '0') return IntegerForm::not_integer;
    // Accumulated as a negative number so that the most negative integer fits.
    int64_t value = 0;
    bool previous_underscore = false;
    for (const char c : token) {
        if (c == '_') {
            if (previous_underscore) return IntegerForm::not_integer;
            previous_underscore = true;
            continue;
        }
        previous_underscore = false;
        int digit = -1;
        if (std::isdigit(static_cast<unsigned char>(c))) digit = c - '0';
        else if (std::isxdigit(static_cast<unsigned char>(c))) digit = (c | 0x20) - 'a' + 10;
        if (digit < 0 || digit >= base) return IntegerForm::not_integer;
        if (value < (std::numeric_limits<int64_t>::min() + digit) / base) return IntegerForm::out_of_range;
        value = value * base - digit;
    }
    if (!negative && value == std::numeric_limits<int64_t>::min()) return IntegerForm::out_of_range;
    out = negative ? value : -value;
    return IntegerForm::integer;
}

// Floats (1.5, 1e3, inf, nan, signed) and dates/times (1979-05-27T07:32:00Z), kept as text.
bool is_float_or_date(std::string_view token) {
    if (!token.empty() && (token[0] == '+' || token[0] == '-')) token.remove_prefix(1);
    return token == "inf" || token == "nan" || (!token.empty() && std::isdigit(static_cast<unsigned char>(token[0])));
}

}  // namespace

class Reader {
public:
    explicit Reader(std::string_view text) : text_(text) {}
    Result<Value> read();

private:
    bool fail(std::string why) {
        error_ = std::move(why);
        return false;
    }
    bool at_end() const { return pos_ >= text_.size(); }
    char peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
    bool starts(std::string_view token) const { return text_.substr(pos_).starts_with(token); }
    void advance(size_t count = 1) {
        for (size_t i = 0; i < count && pos_ < text_.size(); ++i, ++pos_)
            if (text_[pos_] == '\n') ++line_;
    }
    void skip_blanks() {
        while (peek() == ' ' || peek() == '\t') advance();
    }
    void skip_comment() {
        if (peek() != '#') return;
        while (!at_end() && peek() != '\n') advance();
    }
    // Blanks, newlines and comments (inside arrays and between statements).
    void skip_space() {
        for (;;) {
            skip_blanks();
            skip_comment();
            if (peek() == '\n' || peek() == '\r') advance();
            else return;
        }
    }
    bool end_of_line() {
        skip_blanks();
        skip_comment();
        if (peek() == '\r') advance();
        if (at_end()) return true;
        if (peek() != '\n') return fail(fmt::format("unexpected {} after a value", describe(peek())));
        advance();
        return true;
    }
    // Counts one more value against kMaxValues.
    bool note_value() {
        if (++values_ <= kMaxValues) return true;
        return fail(fmt::format("more than {} values", kMaxValues));
    }
    Value make_table(Value::Origin origin) {
        Value table;
        table.kind_ = Value::Kind::table;
        table.origin_ = origin;
        table.line_ = line_;
        return table;
    }

    bool read_string(std::string& out);
    bool read_unicode_escape(size_t digits, std::string& out);
    bool read_key(std::vector<std::string>& parts);
    bool read_value(Value& out, size_t depth);
    bool read_scalar(Value& out);
    bool read_key_value(Value& table, size_t depth);
    bool read_header();
    Value* header_step(Value& table, const std::string& part);

    std::string_view text_;
    size_t pos_ = 0, line_ = 1, values_ = 1;
    std::string error_;
    Value root_;
    Value* current_ = &root_;  // the table that key/value lines go to
};

bool Reader::read_string(std::string& out) {
    const char quote = peek();
    const bool multi_line = starts(std::string(3, quote));
    const bool literal = quote == '\'';
    advance(multi_line ? 3 : 1);
    if (multi_line && starts("\r\n")) advance(2);  // a newline right after the opening quotes is trimmed
    else if (multi_line && peek() == '\n') advance();
    for (;;) {
        if (at_end()) return fail("unterminated string");
        const char c = peek();
        if (multi_line && starts(std::string(3, quote))) {
            // Up to two quotes may end the content right before the closing three.
            size_t quotes = 3;
            while (quotes < 6 && peek(quotes) == quote) ++quotes;
            if (quotes > 5) return fail("too many quotes closing a string");
            out.append(quotes - 3, quote);
            advance(quotes);
            return true;
        }
        if (!multi_line && c == quote) {
            advance();
            return true;
        }
        if (c == '\n' || c == '\r') {
            if (!multi_line) return fail("newline inside a string");
        } else if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) {
            return fail(fmt::format("control character {} inside a string", describe(c)));
        }
        if (c == '\\' && !literal) {
            advance();
            const char escaped = peek();
            if (multi_line && (escaped == ' ' || escaped == '\t' || escaped == '\n' || escaped == '\r')) {
                // A line-ending backslash joins the lines, dropping the whitespace that follows.
                size_t ahead = 0;
                while (peek(ahead) == ' ' || peek(ahead) == '\t') ++ahead;
                if (peek(ahead) != '\n' && peek(ahead) != '\r') return fail("blanks after a backslash");
                while (std::string_view(" \t\r\n").find(peek()) != std::string_view::npos && !at_end()) advance();
                continue;
            }
            if (at_end()) return fail("unterminated string");
            advance();
            if (escaped == 'u' || escaped == 'U') {
                if (!read_unicode_escape(escaped == 'u' ? 4 : 8, out)) return false;
                continue;
            }
            static constexpr std::string_view kFrom = "btnfr\"\\", kTo = "\b\t\n\f\r\"\\";
            const auto at = kFrom.find(escaped);
            if (at == std::string_view::npos) return fail(fmt::format("unknown escape \\ then {}", describe(escaped)));
            out.push_back(kTo[at]);
            continue;
        }
        out.push_back(c);
        advance();
    }
}

// The hex digits of a \\u or \\U escape, appended to `out` as UTF-8.
bool Reader::read_unicode_escape(size_t digits, std::string& out) {
    uint32_t code = 0;
    for (size_t i = 0; i < digits; ++i, advance()) {
        const char c = peek();
        if (!std::isxdigit(static_cast<unsigned char>(c))) return fail("bad unicode escape");
        code = code * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return fail("escape is not a unicode scalar value");
    auto put = [&](uint32_t byte) { out.push_back(static_cast<char>(byte)); };
    if (code < 0x80) {
        put(code);
    } else if (code < 0x800) {
        put(0xC0 | (code >> 6)), put(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        put(0xE0 | (code >> 12)), put(0x80 | ((code >> 6) & 0x3F)), put(0x80 | (code & 0x3F));
    } else {
        put(0xF0 | (code >> 18)), put(0x80 | ((code >> 12) & 0x3F)), put(0x80 | ((code >> 6) & 0x3F)),
            put(0x80 | (code & 0x3F));
    }
    return true;
}

// A key of one or more dotted parts, each bare or quoted; the blanks around it are consumed.
bool Reader::read_key(std::vector<std::string>& parts) {
    for (;;) {
        skip_blanks();
        if (parts.size() == kMaxDepth) return fail(fmt::format("a key of more than {} parts", kMaxDepth));
        std::string part;
        if (peek() == '"' || peek() == '\'') {
            if (starts("\"\"\"") || starts("'''")) return fail("multi-line string as a key");
            if (!read_string(part)) return false;
        } else {
            const size_t begin = pos_;
            while (is_bare_key_char(peek())) advance();
            if (pos_ == begin) return fail(fmt::format("expected a key, found {}", describe(peek())));
            part.assign(text_.substr(begin, pos_ - begin));
        }
        parts.push_back(std::move(part));
        skip_blanks();
        if (peek() != '.') return true;
        advance();
    }
}

bool Reader::read_value(Value& out, size_t depth) {
    if (depth >= kMaxDepth) return fail(fmt::format("values nest deeper than {} levels", kMaxDepth));
    if (!note_value()) return false;
    out.line_ = line_;
    const char c = peek();
    if (c == '"' || c == '\'') {
        out.kind_ = Value::Kind::string;
        return read_string(out.text_);
    }
    if (c == '[') {
        out.kind_ = Value::Kind::array;
        advance();
        for (;;) {
            skip_space();
            if (peek() == ']') {
                advance();
                return true;
            }
            out.items_.emplace_back();
            if (!read_value(out.items_.back(), depth + 1)) return false;
            skip_space();
            if (peek() == ',') advance();
            else if (peek() != ']') return fail(fmt::format("expected ',' or ']' in an array, found {}", describe(peek())));
        }
    }
    if (c == '{') {
        // Inline tables may span lines and end with a comma here (TOML 1.1 allows both).
        out.kind_ = Value::Kind::table;
        out.origin_ = Value::Origin::literal;
        advance();
        for (;;) {
            skip_space();
            if (peek() == '}') {
                advance();
                return true;
            }
            if (!read_key_value(out, depth + 1)) return false;
            skip_space();
            if (peek() == ',') advance();
            else if (peek() != '}') return fail(fmt::format("expected ',' or '}}' in an inline table, found {}", describe(peek())));
        }
    }
    return read_scalar(out);
}

bool Reader::read_scalar(Value& out) {
    const size_t begin = pos_;
    while (is_scalar_char(peek())) advance();
    // A date and a time may be separated by a space: 1979-05-27 07:32:00.
    if (pos_ - begin == 10 && text_[begin + 4] == '-' && text_[begin + 7] == '-' && peek() == ' ' &&
        std::isdigit(static_cast<unsigned char>(peek(1)))) {
        advance();
        while (is_scalar_char(peek())) advance();
    }
    const auto token = text_.substr(begin, pos_ - begin);
    if (token.empty()) return fail(fmt::format("expected a value, found {}", describe(peek())));
    out.text_.assign(token);
    if (token == "true" || token == "false") {
        out.kind_ = Value::Kind::boolean;
        return true;
    }
    switch (parse_integer(token, out.integer_)) {
        case IntegerForm::integer: out.kind_ = Value::Kind::integer; return true;
        case IntegerForm::out_of_range: return fail("integer out of range");
        case IntegerForm::not_integer: break;
    }
    if (!is_float_or_date(token)) return fail(fmt::format("unexpected bare word '{}'", token.substr(0, 40)));
    out.kind_ = Value::Kind::other;
    return true;
}

// `key = value` into `table`; dotted keys make (or extend) tables of their own.
bool Reader::read_key_value(Value& table, size_t depth) {
    std::vector<std::string> parts;
    if (!read_key(parts)) return false;
    if (peek() != '=') return fail(fmt::format("expected '=' after a key, found {}", describe(peek())));
    advance();
    skip_blanks();
    Value* target = &table;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        auto it = target->members_.find(parts[i]);
        if (it == target->members_.end()) {
            if (!note_value()) return false;
            it = target->members_.emplace(parts[i], make_table(Value::Origin::dotted)).first;
        } else if (!it->second.is_table() || it->second.origin_ != Value::Origin::dotted) {
            return fail("a dotted key extends a value defined elsewhere");
        }
        target = &it->second;
    }
    if (target->members_.contains(parts.back())) return fail("a key is defined twice");
    Value value;
    if (!read_value(value, depth + parts.size() - 1)) return false;
    target->members_.emplace(std::move(parts.back()), std::move(value));
    return true;
}

// The table that a non-final part of a header names inside `table`: created (implicitly) when
// absent, the last element of an array of tables.
Value* Reader::header_step(Value& table, const std::string& part) {
    auto it = table.members_.find(part);
    if (it == table.members_.end()) {
        if (!note_value()) return nullptr;
        return &table.members_.emplace(part, make_table(Value::Origin::implicit)).first->second;
    }
    Value& found = it->second;
    if (found.is_table() && found.origin_ != Value::Origin::literal) return &found;
    if (found.is_array() && found.origin_ == Value::Origin::array_of_tables) return &found.items_.back();
    fail("a table header names a value that is not a table");
    return nullptr;
}

bool Reader::read_header() {
    const bool array = starts("[[");
    advance(array ? 2 : 1);
    std::vector<std::string> parts;
    if (!read_key(parts)) return false;
    if (!starts(array ? "]]" : "]")) return fail("unterminated table header");
    advance(array ? 2 : 1);
    Value* table = &root_;
    for (size_t i = 0; i + 1 < parts.size(); ++i)
        if (!(table = header_step(*table, parts[i]))) return false;
    auto it = table->members_.find(parts.back());
    if (array) {
        if (it == table->members_.end()) {
            if (!note_value()) return false;
            Value list;
            list.kind_ = Value::Kind::array;
            list.origin_ = Value::Origin::array_of_tables;
            list.line_ = line_;
            it = table->members_.emplace(std::move(parts.back()), std::move(list)).first;
        } else if (it->second.origin_ != Value::Origin::array_of_tables) {
            return fail("[[array of tables]] names a value defined otherwise");
        }
        if (!note_value()) return false;
        it->second.items_.push_back(make_table(Value::Origin::header));
        current_ = &it->second.items_.back();
    } else {
        if (it == table->members_.end()) {
            if (!note_value()) return false;
            it = table->members_.emplace(std::move(parts.back()), make_table(Value::Origin::header)).first;
        } else if (it->second.is_table() && it->second.origin_ == Value::Origin::implicit) {
            it->second.origin_ = Value::Origin::header;
            it->second.line_ = line_;
        } else {
            return fail("a table is defined twice");
        }
        current_ = &it->second;
    }
    return end_of_line();
}

Result<Value> Reader::read() {
    root_.origin_ = Value::Origin::header;
    root_.line_ = 1;
    if (const auto bad = invalid_utf8_at(text_); bad != std::string_view::npos) {
        const auto line = 1 + std::count(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
        return Error{fmt::format("malformed TOML at line {}: not UTF-8", line)};
    }
    if (starts("\xEF\xBB\xBF")) advance(3);  // UTF-8 byte order mark
    for (;;) {
        skip_space();
        if (at_end()) break;
        const bool ok = peek() == '[' ? read_header() : read_key_value(*current_, 0) && end_of_line();
        if (!ok) return Error{fmt::format("malformed TOML at line {}: {}", line_, error_)};
    }
    return std::move(root_);
}

Result<Value> read(std::string_view text) { return Reader(text).read(); }

}  // namespace moat::lock_toml
