#include "analyze/lang/rust/cargo_lock.h"

#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <set>
#include <tuple>

namespace moat {
namespace {

constexpr std::string_view kLockName = "Cargo.lock";
// Real lock files of large workspaces stay under a few MiB.
constexpr size_t kMaxLockBytes = 32u << 20;
// Cargo writes arrays one level deep; anything deeper is not a lock file.
constexpr size_t kMaxValueDepth = 32;

// The TOML that cargo writes, read by hand rather than with a general TOML library: fuzzing
// toml++ 3.3 found text that reaches its "unreachable" code (undefined behaviour) and trips its
// internal assertions. This reader knows tables, keys, strings (basic, literal, multi-line),
// arrays and inline tables, and treats any other value as an opaque scalar; it keeps the
// name/version/source strings of each [[package]] table and skips everything else.
class CargoLockReader {
public:
    explicit CargoLockReader(std::string_view text) : text_(text) {}

    // Reads the whole file; false (with error()) at the first thing that is not TOML.
    bool read(std::vector<Package>& packages, std::vector<std::string>& warnings);
    std::string error() const { return fmt::format("not TOML: {} (line {})", error_, line_); }

private:
    struct Entry {
        std::string name, version, source;
        size_t line = 0;
    };

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
        if (peek() != '\n') return fail(fmt::format("unexpected '{}' after a value", peek()));
        advance();
        return true;
    }

    bool read_string(std::string& out);
    bool read_unicode_escape(size_t digits, std::string& out);
    bool read_key(std::string& out);
    bool read_value(std::string* string_out, size_t depth);
    bool read_header();

    std::string_view text_;
    size_t pos_ = 0, line_ = 1;
    std::string error_;
    std::optional<Entry> entry_;  // the [[package]] table being read
};

bool CargoLockReader::read_string(std::string& out) {
    const char quote = peek();
    const bool multi_line = starts(std::string(3, quote));
    const bool literal = quote == '\'';
    advance(multi_line ? 3 : 1);
    if (multi_line && peek() == '\n') advance();  // a newline right after the opening quotes is trimmed
    for (;;) {
        if (at_end()) return fail("unterminated string");
        const char c = peek();
        if (multi_line ? starts(std::string(3, quote)) : c == quote) {
            advance(multi_line ? 3 : 1);
            return true;
        }
        if (!multi_line && (c == '\n' || c == '\r')) return fail("newline inside a string");
        if (c == '\\' && !literal) {
            advance();
            if (at_end()) return fail("unterminated string");
            const char escaped = peek();
            if (multi_line && std::string_view(" \t\r\n").find(escaped) != std::string_view::npos) {
                // A line-ending backslash joins the lines, dropping the whitespace that follows.
                while (!at_end() && std::string_view(" \t\r\n").find(peek()) != std::string_view::npos) advance();
                continue;
            }
            advance();
            if (escaped == 'u' || escaped == 'U') {
                if (!read_unicode_escape(escaped == 'u' ? 4 : 8, out)) return false;
                continue;
            }
            static constexpr std::string_view kFrom = "btnfr\"\\", kTo = "\b\t\n\f\r\"\\";
            const auto at = kFrom.find(escaped);
            if (at == std::string_view::npos) return fail(fmt::format("unknown escape \\{}", escaped));
            out.push_back(kTo[at]);
            continue;
        }
        out.push_back(c);
        advance();
    }
}

// The hex digits of a \\u or \\U escape, appended to `out` as UTF-8.
bool CargoLockReader::read_unicode_escape(size_t digits, std::string& out) {
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

bool CargoLockReader::read_key(std::string& out) {
    for (;;) {
        skip_blanks();
        if (peek() == '"' || peek() == '\'') {
            if (starts("\"\"\"") || starts("\'\'\'")) return fail("multi-line string as a key");
            if (!read_string(out)) return false;
        } else {
            const size_t begin = pos_;
            while (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_' || peek() == '-') advance();
            if (pos_ == begin) return fail("expected a key");
            out.append(text_.substr(begin, pos_ - begin));
        }
        skip_blanks();
        if (peek() != '.') return true;
        out.push_back('.');
        advance();
    }
}

bool CargoLockReader::read_value(std::string* string_out, size_t depth) {
    if (depth > kMaxValueDepth) return fail(fmt::format("values nest deeper than {} levels", kMaxValueDepth));
    const char c = peek();
    if (c == '"' || c == '\'') {
        std::string value;
        if (!read_string(value)) return false;
        if (string_out) *string_out = std::move(value);
        return true;
    }
    if (c == '[' || c == '{') {
        const char close = c == '[' ? ']' : '}';
        advance();
        for (;;) {
            skip_space();
            if (peek() == close) {
                advance();
                return true;
            }
            if (close == '}') {
                std::string key;
                if (!read_key(key)) return false;
                if (peek() != '=') return fail("expected '=' in an inline table");
                advance();
                skip_blanks();
            }
            if (!read_value(nullptr, depth + 1)) return false;
            skip_space();
            if (peek() == ',') advance();
            else if (peek() != close) return fail(fmt::format("expected ',' or '{}'", close));
        }
    }
    // Numbers, booleans, dates: whatever runs to the end of the value.
    const size_t begin = pos_;
    while (!at_end() && std::string_view(" \t\r\n#,]}").find(peek()) == std::string_view::npos) advance();
    if (pos_ == begin) return fail("expected a value");
    return true;
}

bool CargoLockReader::read_header() {
    const bool array = starts("[[");
    advance(array ? 2 : 1);
    std::string name;
    if (!read_key(name)) return false;
    if (!starts(array ? "]]" : "]")) return fail("unterminated table header");
    advance(array ? 2 : 1);
    if (array && name == "package") entry_ = Entry{.line = line_};
    else entry_.reset();
    return end_of_line();
}

bool CargoLockReader::read(std::vector<Package>& packages, std::vector<std::string>& warnings) {
    std::set<std::tuple<std::string, std::string, std::string>> seen;  // name, version, source
    auto finish_entry = [&] {
        if (!entry_) return;
        if (entry_->name.empty() || entry_->version.empty()) {
            warnings.push_back(fmt::format("line {}: [[package]] has no name or version; skipped", entry_->line));
        } else if (seen.emplace(entry_->name, entry_->version, entry_->source).second) {
            // The same crate from two sources (crates.io and a git fork) is two packages.
            Package package;
            package.type = "cargo";
            package.name = entry_->name;
            package.version = entry_->version;
            packages.push_back(std::move(package));
        }
        entry_.reset();
    };
    if (starts("\xEF\xBB\xBF")) advance(3);  // UTF-8 byte order mark
    for (;;) {
        skip_space();
        if (at_end()) break;
        if (peek() == '[') {
            finish_entry();
            if (!read_header()) return false;
            continue;
        }
        std::string key;
        if (!read_key(key)) return false;
        if (peek() != '=') return fail("expected '=' after a key");
        advance();
        skip_blanks();
        std::string* field = nullptr;
        if (entry_) {
            if (key == "name") field = &entry_->name;
            else if (key == "version") field = &entry_->version;
            else if (key == "source") field = &entry_->source;
        }
        if (!read_value(field, 0) || !end_of_line()) return false;
    }
    finish_entry();
    return true;
}

}  // namespace

std::vector<Package> parse_cargo_lock(std::string_view text, std::vector<std::string>& warnings) {
    std::vector<Package> packages;
    CargoLockReader reader(text);
    if (!reader.read(packages, warnings)) {
        warnings.push_back(reader.error());
        return {};
    }
    return packages;
}

PathInterest CargoLockAnalyzer::interest() const {
    PathInterest interest;
    interest.exact = {std::string(kLockName)};
    interest.suffixes = {"/" + std::string(kLockName)};
    interest.max_bytes = kMaxLockBytes;
    return interest;
}

std::vector<Package> CargoLockAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                                std::vector<std::string>& warnings) const {
    std::vector<Package> packages;
    const auto locks = files.files_matching([](std::string_view path) {
        return path == kLockName || path.ends_with("/" + std::string(kLockName));
    });
    for (const auto& lock : locks) {
        std::vector<std::string> notes;
        auto found = parse_cargo_lock(lock.bytes, notes);
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
