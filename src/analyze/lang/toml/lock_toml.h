// A restricted TOML reader for machine-written lock files: Cargo.lock, poetry.lock, uv.lock.
//
// Written by hand rather than taken from a general TOML library: fuzzing toml++ 3.3 found
// 2-3-byte inputs that reach its "unreachable" code and trip its internal assertions, both
// undefined behaviour in release builds. This reader knows what lock files use — tables and
// arrays of tables, dotted and quoted keys, strings (basic, literal, multi-line), integers,
// booleans, arrays and inline tables — and keeps floats and dates as their text. It bounds
// nesting, key length and the number of values, never recurses deeper than those bounds, and
// stops at the first error with its line number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace moat::lock_toml {

// Arrays and inline tables nest at most this deep; keys and table headers have at most this
// many dotted parts. Lock files use two or three levels.
constexpr size_t kMaxDepth = 32;
// Values (tables, arrays and scalars) in one document, about 130 bytes each in memory. A uv.lock
// with a thousand packages and all their wheels holds a few hundred thousand.
constexpr size_t kMaxValues = 1'000'000;

class Value {
public:
    enum class Kind : uint8_t { table, array, string, integer, boolean, other };
    using Members = std::map<std::string, Value, std::less<>>;

    Kind kind() const { return kind_; }
    bool is_table() const { return kind_ == Kind::table; }
    bool is_array() const { return kind_ == Kind::array; }
    bool is_string() const { return kind_ == Kind::string; }
    // The line (from 1) where the value starts: a table's header, a key's line.
    size_t line() const { return line_; }

    // A table's members (by key) and an array's items; empty for the other kinds.
    const Members& members() const { return members_; }
    const std::vector<Value>& items() const { return items_; }
    // A string's text (escapes resolved); an integer, boolean, float or date as written.
    std::string_view text() const { return text_; }
    // An integer's value (0 for other kinds).
    int64_t integer() const { return integer_; }
    bool boolean() const { return kind_ == Kind::boolean && text_ == "true"; }

    // The member `key` of a table; null when absent or when this is not a table.
    const Value* find(std::string_view key) const;
    // The string at `key`; empty when absent or not a string.
    std::string_view string_at(std::string_view key) const;
    // The table or array at `key`; null when absent or of another kind.
    const Value* table_at(std::string_view key) const;
    const Value* array_at(std::string_view key) const;

private:
    friend class Reader;
    // How a table or array came to be: TOML forbids re-opening some of them.
    enum class Origin : uint8_t { literal, implicit, header, dotted, array_of_tables };

    Kind kind_ = Kind::table;
    Origin origin_ = Origin::literal;
    size_t line_ = 0;
    int64_t integer_ = 0;
    std::string text_;
    Members members_;
    std::vector<Value> items_;
};

// The document's root table, or an error "malformed TOML at line N: why".
Result<Value> read(std::string_view text);

}  // namespace moat::lock_toml
