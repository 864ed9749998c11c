#include "analyze/lang/javascript/block_yaml.h"

#include <fmt/format.h>

#include <optional>
#include <utility>

namespace moat {
namespace {

constexpr size_t kMaxWarnings = 8;

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

// A quoted scalar at the start of `text`: its length including both quotes, and whether it
// holds escapes (then it must be unescaped into owned storage). nullopt when unterminated.
struct QuotedSpan {
    size_t length = 0;
    bool escaped = false;
};

std::optional<QuotedSpan> quoted_span(std::string_view text) {
    const char quote = text[0];
    QuotedSpan span;
    for (size_t i = 1; i < text.size(); ++i) {
        if (quote == '"' && text[i] == '\\') {
            span.escaped = true;
            ++i;
        } else if (text[i] == quote) {
            if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {  // '' is one '
                span.escaped = true;
                ++i;
            } else {
                span.length = i + 1;
                return span;
            }
        }
    }
    return std::nullopt;
}

std::string unescape(std::string_view quoted) {
    const char quote = quoted.front();
    const auto body = quoted.substr(1, quoted.size() - 2);
    std::string out;
    out.reserve(body.size());
    for (size_t i = 0; i < body.size(); ++i) {
        if (quote == '\'' && body[i] == '\'' && i + 1 < body.size()) {
            out += '\'';
            ++i;
        } else if (quote == '"' && body[i] == '\\' && i + 1 < body.size()) {
            switch (const char escaped = body[++i]) {
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'r': out += '\r'; break;
                case '0': out += '\0'; break;
                default: out += escaped; break;  // \" \\ \/ and the rare rest, kept literally
            }
        } else {
            out += body[i];
        }
    }
    return out;
}

// Bracket nesting of a flow collection, carried across lines while it stays open.
struct FlowScan {
    long depth = 0;
    char quote = 0;

    void scan(std::string_view text) {
        for (size_t i = 0; i < text.size(); ++i) {
            const char c = text[i];
            if (quote) {
                if (quote == '"' && c == '\\') ++i;
                else if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                --depth;
            }
        }
    }
    bool open() const { return depth > 0; }
};

}  // namespace

class BlockYamlReader {
public:
    explicit BlockYamlReader(std::vector<std::string>& warnings) : warnings_(warnings) {}

    void read_line(uint32_t number, std::string_view line);
    std::vector<BlockYamlDocument> finish() {
        end_document();
        return std::move(documents_);
    }

private:
    struct Open {
        size_t indent;
        uint32_t node;
    };

    void warn(uint32_t line, std::string_view message) {
        if (warning_count_++ < kMaxWarnings) warnings_.push_back(fmt::format("line {}: {}", line, message));
    }
    void end_document() {
        if (!current_.empty()) documents_.push_back(std::move(current_));
        current_ = BlockYamlDocument{};
        stack_.clear();
        block_scalar_indent_.reset();
        flow_node_.reset();
    }
    // Splits "key: value" (key plain or quoted); false when the line is no mapping entry.
    bool split_key(std::string_view content, std::string_view& key, std::string_view& rest,
                   std::optional<QuotedSpan>& quoted_key);
    std::string_view owned(std::string text) {
        return current_.unescaped_->emplace_back(std::move(text));
    }
    void set_value(uint32_t index, size_t indent, std::string_view rest);

    std::vector<std::string>& warnings_;
    size_t warning_count_ = 0;
    bool nodes_exhausted_ = false;
    bool depth_warned_ = false;
    std::vector<BlockYamlDocument> documents_;
    BlockYamlDocument current_;
    std::vector<Open> stack_;
    std::optional<size_t> block_scalar_indent_;  // lines deeper than this belong to a "|" or ">"
    std::optional<uint32_t> flow_node_;          // a flow collection still open over lines
    FlowScan flow_;
    size_t total_nodes_ = 0;
};

bool BlockYamlReader::split_key(std::string_view content, std::string_view& key,
                                std::string_view& rest, std::optional<QuotedSpan>& quoted_key) {
    if (content[0] == '"' || content[0] == '\'') {
        quoted_key = quoted_span(content);
        if (!quoted_key) return false;
        key = content.substr(0, quoted_key->length);
        auto after = trim(content.substr(quoted_key->length));
        if (after.empty() || after[0] != ':') return false;
        after.remove_prefix(1);
        if (!after.empty() && after[0] != ' ' && after[0] != '\t') return false;
        rest = trim(after);
        return true;
    }
    if (content[0] == '?' || content[0] == '{' || content[0] == '[') return false;  // not pnpm's
    for (size_t colon = content.find(':'); colon != std::string_view::npos;
         colon = content.find(':', colon + 1)) {
        if (colon + 1 == content.size() || content[colon + 1] == ' ' || content[colon + 1] == '\t') {
            key = trim(content.substr(0, colon));
            rest = trim(content.substr(colon + 1));
            return !key.empty();
        }
    }
    return false;
}

void BlockYamlReader::set_value(uint32_t index, size_t indent, std::string_view rest) {
    auto& node = current_.nodes_[index];
    if (rest.empty()) return;
    if (rest[0] == '"' || rest[0] == '\'') {
        const auto span = quoted_span(rest);
        if (!span) {
            node.value = rest;  // a quoted scalar over several lines: not pnpm's; kept raw
        } else {
            const auto quoted = rest.substr(0, span->length);
            node.value = span->escaped ? owned(unescape(quoted)) : quoted.substr(1, quoted.size() - 2);
        }
        return;
    }
    if (rest[0] == '{' || rest[0] == '[') {
        node.value = rest;
        flow_ = FlowScan{};
        flow_.scan(rest);
        if (flow_.open()) flow_node_ = index;
        return;
    }
    if (rest[0] == '|' || rest[0] == '>') {
        block_scalar_indent_ = indent;
        return;
    }
    if (const auto comment = rest.find(" #"); comment != std::string_view::npos)
        rest = trim(rest.substr(0, comment));
    node.value = rest;
}

void BlockYamlReader::read_line(uint32_t number, std::string_view line) {
    if (flow_node_) {  // the open flow collection's text runs on to the end of this line
        auto& node = current_.nodes_[*flow_node_];
        node.value = std::string_view(node.value.data(),
                                      static_cast<size_t>(line.data() + line.size() - node.value.data()));
        flow_.scan(line);
        if (!flow_.open()) flow_node_.reset();
        return;
    }
    const auto indent = line.find_first_not_of(' ');
    if (indent == std::string_view::npos) return;
    const auto content = trim(line.substr(indent));
    if (content.empty()) return;
    if (block_scalar_indent_) {
        if (indent > *block_scalar_indent_) return;
        block_scalar_indent_.reset();
    }
    if (content[0] == '#') return;
    if (indent == 0 && (content == "---" || content.starts_with("--- ") || content == "...")) {
        end_document();
        return;
    }
    if (indent == 0 && content[0] == '%') return;  // a directive
    if (content[0] == '\t') {
        warn(number, "tab in indentation, line skipped");
        return;
    }

    const bool item = content == "-" || content.starts_with("- ");
    std::string_view key, rest;
    std::optional<QuotedSpan> quoted_key;
    if (item) {
        rest = trim(content.substr(1));
    } else if (!split_key(content, key, rest, quoted_key)) {
        return;  // a continuation line of a plain scalar, or something pnpm does not write
    }

    // The parent is the nearest open entry indented less; a sequence may also sit at the same
    // indentation as the key that holds it ("key:\n- a").
    while (!stack_.empty()) {
        const auto& top = stack_.back();
        const auto& top_node = current_.nodes_[top.node];
        const bool holds_this_sequence =
            item && top.indent == indent && !top_node.sequence_item && top_node.value.empty();
        if (top.indent < indent || holds_this_sequence) break;
        stack_.pop_back();
    }
    if (stack_.size() >= kMaxBlockYamlDepth) {
        if (!depth_warned_)
            warn(number, fmt::format("nested deeper than {} levels, skipped", kMaxBlockYamlDepth));
        depth_warned_ = true;
        return;
    }
    if (total_nodes_ >= kMaxBlockYamlNodes) {
        if (!nodes_exhausted_) warn(number, "too many entries, the rest of the file is ignored");
        nodes_exhausted_ = true;
        return;
    }
    ++total_nodes_;

    const auto parent = stack_.empty() ? 0u : stack_.back().node;
    const auto index = static_cast<uint32_t>(current_.nodes_.size());
    BlockYamlNode node;
    node.line = number;
    node.sequence_item = item;
    if (quoted_key)
        node.key = quoted_key->escaped ? owned(unescape(key)) : key.substr(1, key.size() - 2);
    else
        node.key = key;
    current_.nodes_.push_back(node);
    auto& parent_node = current_.nodes_[parent];
    if (parent_node.last_child == BlockYamlNode::kNone)
        parent_node.first_child = index;
    else
        current_.nodes_[parent_node.last_child].next_sibling = index;
    parent_node.last_child = index;
    set_value(index, indent, rest);
    stack_.push_back({indent, index});
}

std::vector<const BlockYamlNode*> BlockYamlDocument::children(const BlockYamlNode& parent) const {
    std::vector<const BlockYamlNode*> out;
    for (auto index = parent.first_child; index != BlockYamlNode::kNone;
         index = nodes_[index].next_sibling)
        out.push_back(&nodes_[index]);
    return out;
}

const BlockYamlNode* BlockYamlDocument::child(const BlockYamlNode& parent,
                                              std::string_view key) const {
    for (auto index = parent.first_child; index != BlockYamlNode::kNone;
         index = nodes_[index].next_sibling)
        if (!nodes_[index].sequence_item && nodes_[index].key == key) return &nodes_[index];
    return nullptr;
}

std::string_view BlockYamlDocument::child_value(const BlockYamlNode& parent,
                                                std::string_view key) const {
    const auto* found = child(parent, key);
    return found ? found->value : std::string_view{};
}

std::vector<BlockYamlDocument> parse_block_yaml(std::string_view text,
                                                std::vector<std::string>& warnings) {
    BlockYamlReader reader(warnings);
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
    uint32_t number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        reader.read_line(++number, line);
    }
    return reader.finish();
}

}  // namespace moat
