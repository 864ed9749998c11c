// A restricted reader for the block-style YAML that lock files are written in (pnpm-lock.yaml):
// block mappings and sequences, plain and quoted scalars, several documents per file. Flow
// collections ("{integrity: ...}", "[x64]") are kept as raw text; anchors, tags and block scalars
// are not interpreted. It builds a flat node table line by line without recursion, so hostile
// nesting cannot exhaust the stack: lines nested deeper than kMaxBlockYamlDepth are dropped, and
// a file of more than kMaxBlockYamlNodes entries is cut short, each with a warning.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace moat {

inline constexpr size_t kMaxBlockYamlDepth = 32;
inline constexpr size_t kMaxBlockYamlNodes = 4'000'000;

struct BlockYamlNode {
    static constexpr uint32_t kNone = UINT32_MAX;
    std::string_view key;    // "" for a sequence item
    std::string_view value;  // scalar, unquoted; raw text of a flow collection; "" for a parent
    uint32_t line = 0;       // 1-based line in the file
    uint32_t first_child = kNone;
    uint32_t last_child = kNone;
    uint32_t next_sibling = kNone;
    bool sequence_item = false;
};

// Keys and values point into the text given to parse_block_yaml (or into the document's own
// storage for quoted scalars with escapes): the text must outlive the document.
class BlockYamlDocument {
public:
    BlockYamlDocument() : nodes_(1), unescaped_(std::make_unique<std::deque<std::string>>()) {}

    const BlockYamlNode& root() const { return nodes_[0]; }
    std::vector<const BlockYamlNode*> children(const BlockYamlNode& parent) const;
    // The first child of `parent` with this key, or nullptr.
    const BlockYamlNode* child(const BlockYamlNode& parent, std::string_view key) const;
    // The value of the child with this key, or "" when there is none.
    std::string_view child_value(const BlockYamlNode& parent, std::string_view key) const;
    bool empty() const { return nodes_[0].first_child == BlockYamlNode::kNone; }

private:
    friend class BlockYamlReader;
    std::vector<BlockYamlNode> nodes_;  // [0] is the document root
    // Unescaped quoted scalars the nodes point into. Held by pointer and in a deque so that the
    // strings never move, not even when a vector of documents grows (a deque's move may throw,
    // so a vector would copy it).
    std::unique_ptr<std::deque<std::string>> unescaped_;
};

static_assert(std::is_nothrow_move_constructible_v<BlockYamlDocument>,
              "a vector of documents must move them, never copy (nodes point into them)");

// Splits `text` at "---" / "..." lines into documents and reads each. Never fails: lines it does
// not understand are skipped (a warning for the first few).
std::vector<BlockYamlDocument> parse_block_yaml(std::string_view text,
                                                std::vector<std::string>& warnings);

}  // namespace moat
