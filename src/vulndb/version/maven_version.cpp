#include "vulndb/version/maven_version.h"

#include <array>
#include <vector>

#include "vulndb/version/digit_runs.h"

// ComparableVersion builds a tree, but each new sub-list is appended as the last item of the
// current list and becomes the current list: the tree is a spine. It is kept flat here, a
// List item standing for "the rest is a sub-list", which makes normalising and comparing one
// loop each (no recursion, whatever the input).

namespace moat {
namespace {

using version_runs::compare_numbers;

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

struct Item {
    enum class Kind : unsigned char { Number, Qualifier, List } kind;
    std::string_view text;  // Number: digits without leading zeros; Qualifier: as written
};

bool equals_lower(std::string_view text, std::string_view word) {
    if (text.size() != word.size()) return false;
    for (size_t i = 0; i < text.size(); ++i)
        if (lower(text[i]) != word[i]) return false;
    return true;
}

// The rank of a qualifier in alpha, beta, milestone, rc, snapshot, "", sp; kUnknown otherwise.
constexpr int kRelease = 5;
constexpr int kUnknown = 7;
int qualifier_rank(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, int>, 10> kRanks = {{{"alpha", 0},
                                                                               {"beta", 1},
                                                                               {"milestone", 2},
                                                                               {"rc", 3},
                                                                               {"cr", 3},
                                                                               {"snapshot", 4},
                                                                               {"ga", kRelease},
                                                                               {"final", kRelease},
                                                                               {"release", kRelease},
                                                                               {"sp", 6}}};
    for (const auto& [name, rank] : kRanks)
        if (equals_lower(text, name)) return rank;
    return kUnknown;
}

bool is_null(const Item& item) {
    if (item.kind == Item::Kind::Number) return item.text == "0";
    if (item.kind == Item::Kind::Qualifier) return qualifier_rank(item.text) == kRelease;
    return false;  // lists: handled by the normaliser (an empty one is dropped)
}

int compare_qualifiers(std::string_view a, std::string_view b) {
    int x = qualifier_rank(a), y = qualifier_rank(b);
    if (x != y) return x < y ? -1 : 1;
    if (x != kUnknown) return 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        unsigned char p = static_cast<unsigned char>(lower(a[i])), q = static_cast<unsigned char>(lower(b[i]));
        if (p != q) return p < q ? -1 : 1;
    }
    if (a.size() == b.size()) return 0;
    return a.size() < b.size() ? -1 : 1;
}

// An item against a missing one.
int compare_to_null(const Item& item) {
    if (item.kind == Item::Kind::Number) return item.text == "0" ? 0 : 1;
    if (item.kind == Item::Kind::Qualifier) {
        int rank = qualifier_rank(item.text);
        return rank == kRelease ? 0 : (rank < kRelease ? -1 : 1);
    }
    return 0;  // a List marker: its items follow
}

class Parser {
public:
    explicit Parser(std::vector<Item>& out) : out_(out) { out_.clear(); }

    void parse(std::string_view version) {
        bool digits = false;
        size_t start = 0;
        for (size_t i = 0; i < version.size(); ++i) {
            char c = version[i];
            if (c == '.' || c == '-') {
                if (i == start)
                    add({Item::Kind::Number, "0"});
                else
                    add_item(digits, version.substr(start, i - start));
                start = i + 1;
                if (c == '-') open_list();
            } else if (is_digit(c)) {
                if (!digits && i > start) {
                    if (current_ > 0) open_list();  // "1.0.0.X1" < "1.0.0-X2": .X read as -X
                    add({Item::Kind::Qualifier, followed_by_digit(version.substr(start, i - start))});
                    start = i;
                    open_list();
                }
                digits = true;
            } else {
                if (digits && i > start) {
                    add_item(true, version.substr(start, i - start));
                    start = i;
                    open_list();
                }
                digits = false;
            }
        }
        if (version.size() > start) {
            if (!digits && current_ > 0) open_list();
            add_item(digits, version.substr(start));
        }
        normalize();
    }

private:
    static std::string_view followed_by_digit(std::string_view text) {
        if (text.size() == 1) {
            switch (lower(text[0])) {
                case 'a':
                    return "alpha";
                case 'b':
                    return "beta";
                case 'm':
                    return "milestone";
                default:
                    break;
            }
        }
        return text;
    }

    void add(Item item) {
        out_.push_back(item);
        ++current_;
    }
    void add_item(bool digits, std::string_view text) {
        if (!digits) {
            add({Item::Kind::Qualifier, text});
            return;
        }
        while (text.size() > 1 && text.front() == '0') text.remove_prefix(1);
        add({Item::Kind::Number, text});
    }
    void open_list() {
        add({Item::Kind::List, {}});
        current_ = 0;
    }

    // Each list, innermost first, loses its trailing null items (a non-empty sub-list is
    // stepped over, an empty one dropped), as ListItem.normalize() does.
    void normalize() {
        std::vector<Item>& items = out_;
        keep_.assign(items.size(), true);
        size_t end = items.size();  // one past the current list's last item
        bool child_kept = false;
        for (;;) {
            size_t start = end;
            while (start > 0 && items[start - 1].kind != Item::Kind::List) --start;
            // [start, end) are this list's items, followed (at `end`) by its sub-list marker.
            size_t last = end;
            bool stop = false;
            while (last > start && !stop) {
                if (is_null(items[last - 1]))
                    keep_[--last] = false;
                else
                    stop = true;
            }
            bool empty = last == start && !child_kept;
            if (start == 0) break;
            size_t marker = start - 1;
            if (empty) keep_[marker] = false;
            child_kept = !empty;
            end = marker;
        }
        size_t kept = 0;
        for (size_t i = 0; i < items.size(); ++i)
            if (keep_[i]) items[kept++] = items[i];
        items.resize(kept);
    }

    std::vector<Item>& out_;
    size_t current_ = 0;
    static thread_local std::vector<bool> keep_;
};

thread_local std::vector<bool> Parser::keep_;

int compare_rest_to_null(const std::vector<Item>& items, size_t from) {
    for (size_t i = from; i < items.size(); ++i)
        if (int order = compare_to_null(items[i])) return order;
    return 0;
}

int compare_items(const std::vector<Item>& a, const std::vector<Item>& b) {
    size_t i = 0, j = 0;
    for (;;) {
        bool a_end = i == a.size(), b_end = j == b.size();
        if (a_end && b_end) return 0;
        if (a_end) return -compare_rest_to_null(b, j);
        if (b_end) return compare_rest_to_null(a, i);
        const Item& x = a[i];
        const Item& y = b[j];
        using Kind = Item::Kind;
        if (x.kind == Kind::List || y.kind == Kind::List) {
            if (x.kind == y.kind) {  // both sub-lists: they are the last items of their lists
                ++i, ++j;
                continue;
            }
            if (x.kind == Kind::List) return y.kind == Kind::Number ? -1 : 1;
            return x.kind == Kind::Number ? 1 : -1;
        }
        int order;
        if (x.kind == Kind::Number && y.kind == Kind::Number)
            order = compare_numbers(x.text, y.text);
        else if (x.kind != y.kind)
            order = x.kind == Kind::Number ? 1 : -1;
        else
            order = compare_qualifiers(x.text, y.text);
        if (order) return order;
        ++i, ++j;
    }
}

}  // namespace

int maven_version_compare(std::string_view a, std::string_view b) {
    thread_local std::vector<Item> left, right;
    Parser(left).parse(a);
    Parser(right).parse(b);
    return compare_items(left, right);
}

const char* maven_version_problem(std::string_view version) {
    if (version.empty()) return "version is empty";
    if (!is_digit(version.front())) return "version does not start with a digit";
    for (char c : version) {
        if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') return "whitespace or control character in version";
        if (std::string_view("${}[](),/").find(c) != std::string_view::npos)
            return "version holds a property reference or a range";
    }
    return nullptr;
}

}  // namespace moat
