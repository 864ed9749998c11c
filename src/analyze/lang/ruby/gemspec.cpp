#include "analyze/lang/ruby/gemspec.h"

#include <fmt/format.h>

#include <cctype>
#include <utility>

#include "analyze/lang/lock_text.h"

namespace moat {
namespace {

constexpr std::string_view kSpecNew = "Gem::Specification.new";
constexpr std::string_view kStubPrefix = "# stub: ";
constexpr size_t kMaxFileBytes = 1u << 20;
constexpr size_t kMaxLiteralBytes = 4096;  // names, versions, licenses are short
constexpr size_t kMaxArrayItems = 256;

bool is_identifier_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// A name or version worth reporting: short, no blanks or control characters.
bool is_plain_token(std::string_view text, size_t max_size) {
    if (text.empty() || text.size() > max_size) return false;
    for (const char c : text)
        if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') return false;
    return true;
}

// Reads the Ruby literals RubyGems writes into a specification ("x", 'x', %q{x}, "x".freeze,
// ["a".freeze, "b"], Gem::Version.new("1.0")) from a position in the text. Anything else
// (constants, method calls, interpolation) is not a literal: the reader says nullopt.
class RubyLiteralReader {
  public:
    RubyLiteralReader(std::string_view text, size_t position) : text_(text), pos_(position) {}

    std::optional<std::string> string_value() {
        skip_blanks(/*newlines=*/false);
        if (consume("Gem::Version.new(")) {
            auto inner = string_literal();
            skip_blanks(/*newlines=*/true);
            if (!inner || !consume(")")) return std::nullopt;
            return inner;
        }
        return string_literal();
    }

    // A string or an array of strings (RubyGems turns a single license string into a list).
    std::optional<std::vector<std::string>> string_list() {
        skip_blanks(/*newlines=*/false);
        if (!consume("[")) {
            auto single = string_literal();
            if (!single) return std::nullopt;
            return std::vector<std::string>{std::move(*single)};
        }
        std::vector<std::string> items;
        skip_blanks(/*newlines=*/true);
        if (consume("]")) return items;
        while (items.size() < kMaxArrayItems) {
            skip_blanks(/*newlines=*/true);
            auto item = string_literal();
            if (!item) return std::nullopt;
            items.push_back(std::move(*item));
            skip_blanks(/*newlines=*/true);
            if (consume("]")) return items;
            if (!consume(",")) return std::nullopt;
            skip_blanks(/*newlines=*/true);
            if (consume("]")) return items;  // trailing comma
        }
        return std::nullopt;
    }

  private:
    std::optional<std::string> string_literal() {
        auto value = bare_string_literal();
        if (value) consume(".freeze");
        return value;
    }

    std::optional<std::string> bare_string_literal() {
        if (pos_ >= text_.size()) return std::nullopt;
        const char first = text_[pos_];
        if (first == '"') {
            ++pos_;
            return quoted_body('"', '"', /*escapes=*/true);
        }
        if (first == '\'') {
            ++pos_;
            return quoted_body('\'', '\'', /*escapes=*/false);
        }
        if (first != '%' || pos_ + 1 >= text_.size()) return std::nullopt;
        // %q(...) %Q(...) %(...): any punctuation delimits, brackets pair up.
        size_t at = pos_ + 1;
        bool escapes = true;
        if (text_[at] == 'q' || text_[at] == 'Q') {
            escapes = text_[at] == 'Q';
            ++at;
        }
        if (at >= text_.size()) return std::nullopt;
        const char open = text_[at];
        if (std::isalnum(static_cast<unsigned char>(open)) ||
            std::isspace(static_cast<unsigned char>(open)))
            return std::nullopt;
        const char close = open == '{'   ? '}'
                           : open == '(' ? ')'
                           : open == '[' ? ']'
                           : open == '<' ? '>'
                                         : open;
        pos_ = at + 1;
        return quoted_body(open, close, escapes);
    }

    // The body of a string up to its closing delimiter (nested bracket pairs included).
    std::optional<std::string> quoted_body(char open, char close, bool escapes) {
        std::string out;
        int nesting = 0;
        while (pos_ < text_.size()) {
            if (out.size() > kMaxLiteralBytes) return std::nullopt;
            const char c = text_[pos_++];
            if (c == close && nesting == 0) return out;
            if (c == close) --nesting;
            if (c == open && open != close) ++nesting;
            if (c == '\\' && pos_ < text_.size()) {
                const char next = text_[pos_++];
                if (!escapes) {  // single quotes: only \\ and \<delimiter> are escapes
                    if (next != '\\' && next != close && next != open) out.push_back('\\');
                    out.push_back(next);
                } else if (!escape(next, out)) {
                    return std::nullopt;
                }
                continue;
            }
            if (escapes && c == '#' && pos_ < text_.size() &&
                (text_[pos_] == '{' || text_[pos_] == '$' || text_[pos_] == '@'))
                return std::nullopt;  // interpolation: not a literal
            out.push_back(c);
        }
        return std::nullopt;  // unterminated
    }

    // One escape of a double-quoted string, after the backslash.
    bool escape(char letter, std::string& out) {
        switch (letter) {
            case 'n':
                out.push_back('\n');
                return true;
            case 't':
                out.push_back('\t');
                return true;
            case 'r':
                out.push_back('\r');
                return true;
            case 's':
                out.push_back(' ');
                return true;
            case 'e':
                out.push_back('\x1b');
                return true;
            case '0':
                out.push_back('\0');
                return true;
            case 'x':
                return hex_escape(out, 2, false);
            case 'u':
                if (pos_ < text_.size() && text_[pos_] == '{') {
                    ++pos_;
                    if (!hex_escape(out, 6, true)) return false;
                    return consume("}");
                }
                return hex_escape(out, 4, true);
            default:
                out.push_back(letter);
                return true;  // \" \\ \# and the like
        }
    }

    bool hex_escape(std::string& out, size_t max_digits, bool code_point) {
        uint32_t value = 0;
        size_t digits = 0;
        while (digits < max_digits && pos_ < text_.size() &&
               std::isxdigit(static_cast<unsigned char>(text_[pos_]))) {
            const char c =
                static_cast<char>(std::tolower(static_cast<unsigned char>(text_[pos_++])));
            value = value * 16 + static_cast<uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
            ++digits;
        }
        if (digits == 0 || value > 0x10FFFF) return false;
        if (code_point)
            append_utf8(out, value);
        else
            out.push_back(static_cast<char>(value));
        return true;
    }

    void skip_blanks(bool newlines) {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r')))
                ++pos_;
            else
                return;
        }
    }

    bool consume(std::string_view token) {
        if (text_.substr(pos_).starts_with(token)) {
            pos_ += token.size();
            return true;
        }
        return false;
    }

    std::string_view text_;
    size_t pos_;
};

// The block variable of "Gem::Specification.new do |s|" on `line`, or "" when there is none.
std::string_view block_variable(std::string_view line) {
    const auto start = line.find(kSpecNew);
    if (start == std::string_view::npos) return {};
    auto rest = line.substr(start + kSpecNew.size());
    const auto open = rest.find('|');
    if (open == std::string_view::npos) return {};
    rest = rest.substr(open + 1);
    const auto close = rest.find('|');
    if (close == std::string_view::npos) return {};
    auto variable = rest.substr(0, close);
    while (!variable.empty() && variable.front() == ' ') variable.remove_prefix(1);
    while (!variable.empty() && variable.back() == ' ') variable.remove_suffix(1);
    if (variable.empty() || std::isdigit(static_cast<unsigned char>(variable.front()))) return {};
    for (const char c : variable)
        if (!is_identifier_char(c)) return {};
    return variable;
}

// What the specification block says, field by field (the first literal assignment wins).
struct GemspecFields {
    std::optional<std::string> name, version, platform;
    std::optional<std::vector<std::string>> licenses;
};

// "VAR.field = value": the field name and the offset of the value in `text`, if `line` (which
// starts at `line_offset`) is an assignment to a member of `variable`.
std::optional<std::pair<std::string_view, size_t>> assignment(std::string_view line,
                                                              size_t line_offset,
                                                              std::string_view variable) {
    const auto indent = line.find_first_not_of(" \t");
    if (indent == std::string_view::npos) return std::nullopt;
    auto rest = line.substr(indent);
    if (!rest.starts_with(variable) || rest.size() <= variable.size() ||
        rest[variable.size()] != '.')
        return std::nullopt;
    rest.remove_prefix(variable.size() + 1);
    size_t length = 0;
    while (length < rest.size() && is_identifier_char(rest[length])) ++length;
    const auto field = rest.substr(0, length);
    size_t at = length;
    while (at < rest.size() && (rest[at] == ' ' || rest[at] == '\t')) ++at;
    if (field.empty() || at >= rest.size() || rest[at] != '=') return std::nullopt;
    if (at + 1 < rest.size() && (rest[at + 1] == '=' || rest[at + 1] == '~')) return std::nullopt;
    return std::pair{field, line_offset + indent + variable.size() + 1 + at + 1};
}

void read_assignment(std::string_view text, std::string_view field, size_t value_offset,
                     GemspecFields& fields) {
    RubyLiteralReader reader(text, value_offset);
    if (field == "name" && !fields.name) {
        fields.name = reader.string_value();
    } else if (field == "version" && !fields.version) {
        fields.version = reader.string_value();
    } else if (field == "platform" && !fields.platform) {
        fields.platform = reader.string_value();
    } else if ((field == "licenses" || field == "license") && !fields.licenses) {
        fields.licenses = reader.string_list();
    }
}

// "# stub: NAME VERSION PLATFORM REQUIRE_PATHS", written by RubyGems on the first lines.
void read_stub(std::string_view line, GemspecFields& stub) {
    auto rest = line.substr(kStubPrefix.size());
    std::vector<std::string_view> words;
    while (!rest.empty() && words.size() < 3) {
        const auto start = rest.find_first_not_of(' ');
        if (start == std::string_view::npos) break;
        rest.remove_prefix(start);
        const auto end = rest.find(' ');
        words.push_back(rest.substr(0, end));
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    if (words.size() < 2) return;
    stub.name = std::string(words[0]);
    stub.version = std::string(words[1]);
    if (words.size() > 2) stub.platform = std::string(words[2]);
}

}  // namespace

std::optional<Package> parse_gemspec(std::string_view text, std::vector<std::string>& warnings) {
    GemspecFields fields, stub;
    std::string_view variable;
    size_t offset = 0;
    while (offset < text.size()) {
        const auto end = text.find('\n', offset);
        auto line = text.substr(
            offset, end == std::string_view::npos ? std::string_view::npos : end - offset);
        const size_t line_offset = offset;
        offset = end == std::string_view::npos ? text.size() : end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

        if (line.starts_with(kStubPrefix) && !stub.name) read_stub(line, stub);
        if (variable.empty()) {
            variable = block_variable(line);
            continue;
        }
        if (const auto assigned = assignment(line, line_offset, variable))
            read_assignment(text, assigned->first, assigned->second, fields);
    }
    if (variable.empty() && !stub.name)
        warnings.push_back("no Gem::Specification.new block and no stub line");

    // The block's literal values, else the stub line's words.
    const auto choose = [](const std::optional<std::string>& assigned,
                           const std::optional<std::string>& from_stub, size_t max_size) {
        if (assigned && is_plain_token(*assigned, max_size)) return *assigned;
        if (from_stub && is_plain_token(*from_stub, max_size)) return *from_stub;
        return std::string();
    };
    Package package;
    package.type = "gem";
    package.name = choose(fields.name, stub.name, 256);
    package.version = choose(fields.version, stub.version, 128);
    if (package.name.empty() || package.version.empty()) {
        warnings.push_back("no literal gem name and version; skipped");
        return std::nullopt;
    }
    const std::string platform = choose(fields.platform, stub.platform, 128);
    if (platform != "ruby") package.arch = platform;
    if (fields.licenses)
        for (auto& license : *fields.licenses)
            if (!license.empty()) package.licenses.push_back(std::move(license));
    return package;
}

bool is_installed_gemspec_path(std::string_view path) {
    return path.ends_with(".gemspec") && (path.starts_with("specifications/") ||
                                          path.find("/specifications/") != std::string_view::npos);
}

PathInterest GemspecAnalyzer::interest() const {
    PathInterest interest;
    interest.suffixes = {".gemspec"};
    interest.max_bytes = kMaxFileBytes;
    return interest;
}

std::vector<Package> GemspecAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                              std::vector<std::string>& warnings) const {
    const auto parse_one = [](std::string_view text, std::vector<std::string>& notes) {
        auto package = parse_gemspec(text, notes);
        return package ? std::vector<Package>{std::move(*package)} : std::vector<Package>{};
    };
    return read_lock_files(files, is_installed_gemspec_path, parse_one, warnings);
}

}  // namespace moat
