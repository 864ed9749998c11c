#include "vulndb/version/apk_version.h"

#include "vulndb/version/digit_runs.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

// apk-tools 2 and 3 agree on the grammar and on nearly all orderings; we follow 3 (the current
// apk-tools, and the rules apk-package(5) describes). Where they differ:
//   - a dotted component with leading zeros: apk-tools 2 ranked it by the count of zeros, more
//     zeros older ("8.2.0" > "8.2.001"); apk-tools 3 compares it as a string ("8.2.0" <
//     "8.2.001", apk-tools issue 10882). Either way "1.05" < "1.1" and "16.02" < "16.1".
//   - apk-tools 2 accepted digits after the letter ("1.2a3") and had no ~hash.
// Numbers of any length are exact here; apk-tools keeps them in 64 bits.

namespace moat {
namespace {

enum class Token : uint8_t {
    InitialNumber,  // kinds in grammar order: a kind may only follow an earlier one
    Number,
    Letter,
    Suffix,
    SuffixNumber,
    CommitHash,
    Revision,
    End,
    Invalid,
};

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

// Suffix names by rank; the rank of "no suffix" sits between the pre- and post-releases.
constexpr std::array<std::string_view, 9> kSuffixes = {"alpha", "beta", "pre", "rc",
                                                       "cvs",   "svn",  "git", "hg", "p"};
constexpr int kNoSuffixRank = 4;

int suffix_rank(std::string_view name) {
    for (size_t i = 0; i < kSuffixes.size(); ++i)
        if (kSuffixes[i] == name) return static_cast<int>(i < kNoSuffixRank ? i : i + 1);
    return -1;
}

using version_runs::compare_bytes;
using version_runs::compare_numbers;

// Reads a version one token at a time. `text` is the token's content (digits, the letter, the
// suffix name or the hash); `problem` says why the token is Invalid.
class Lexer {
public:
    explicit Lexer(std::string_view version) : rest_(version) {
        token = Token::InitialNumber;
        if (!take_digits()) fail("version does not start with a digit");
    }

    void next() {
        if (rest_.empty()) {
            token = Token::End;
            return;
        }
        const char c = rest_.front();
        if (is_lower(c)) {
            if (token > Token::Number) return fail("a letter may only follow a number");
            text = rest_.substr(0, 1);
            rest_.remove_prefix(1);
            token = Token::Letter;
        } else if (c == '.') {
            if (token > Token::Number) return fail("'.' may only follow a number");
            rest_.remove_prefix(1);
            token = Token::Number;
            if (!take_digits()) fail("'.' must be followed by a number");
        } else if (is_digit(c)) {
            // Digit runs are read whole, so only a suffix's number starts here.
            if (token != Token::Suffix) return fail("a number may not follow a letter");
            token = Token::SuffixNumber;
            take_digits();
        } else if (c == '_') {
            if (token > Token::SuffixNumber) return fail("'_' suffix after the ~hash or -r");
            rest_.remove_prefix(1);
            text = take_while(is_lower);
            rank = suffix_rank(text);
            if (rank < 0) return fail("unknown suffix (known: alpha beta pre rc cvs svn git hg p)");
            token = Token::Suffix;
        } else if (c == '~') {
            if (token >= Token::CommitHash) return fail("'~' hash after another ~hash or -r");
            rest_.remove_prefix(1);
            text = take_while(is_hex);
            if (text.empty()) return fail("'~' must be followed by lower-case hex digits");
            token = Token::CommitHash;
        } else if (c == '-') {
            if (token >= Token::Revision) return fail("a second -r revision");
            if (rest_.size() < 2 || rest_[1] != 'r') return fail("'-' must start -r<number>");
            rest_.remove_prefix(2);
            token = Token::Revision;
            if (!take_digits()) fail("-r must be followed by a number");
        } else {
            fail("unexpected character");
        }
    }

    Token token;
    std::string_view text;
    int rank = 0;  // of a Suffix
    const char* problem = nullptr;

private:
    void fail(const char* why) {
        token = Token::Invalid;
        problem = why;
    }
    template <typename Predicate>
    std::string_view take_while(Predicate predicate) {
        size_t end = 0;
        while (end < rest_.size() && predicate(rest_[end])) ++end;
        std::string_view taken = rest_.substr(0, end);
        rest_.remove_prefix(end);
        return taken;
    }
    bool take_digits() {
        text = take_while(is_digit);
        return !text.empty();
    }

    std::string_view rest_;
};

// Two tokens of the same kind.
int compare_tokens(const Lexer& a, const Lexer& b) {
    switch (a.token) {
        case Token::Number:
            // A leading zero makes the component a string, as in Gentoo ("05" < "1").
            if (a.text.front() == '0' || b.text.front() == '0') return compare_bytes(a.text, b.text);
            return compare_numbers(a.text, b.text);
        case Token::InitialNumber:
        case Token::SuffixNumber:
        case Token::Revision:
            return compare_numbers(a.text, b.text);
        case Token::Suffix:
            return a.rank == b.rank ? 0 : (a.rank < b.rank ? -1 : 1);
        case Token::Letter:
        case Token::CommitHash:
            return compare_bytes(a.text, b.text);
        case Token::End:
        case Token::Invalid:
            break;
    }
    return 0;
}

}  // namespace

int apk_version_compare(std::string_view a, std::string_view b) {
    Lexer la(a), lb(b);
    while (la.token == lb.token && la.token < Token::End) {
        if (int order = compare_tokens(la, lb)) return order;
        la.next();
        lb.next();
    }
    if (la.token == lb.token) return 0;
    // Equal so far, and one side goes on differently: a pre-release suffix makes it older;
    // otherwise the side whose next token comes earlier in the grammar is newer.
    if (la.token == Token::Suffix && la.rank < kNoSuffixRank) return -1;
    if (lb.token == Token::Suffix && lb.rank < kNoSuffixRank) return 1;
    return la.token < lb.token ? 1 : -1;
}

const char* apk_version_problem(std::string_view version) {
    Lexer lexer(version);
    while (lexer.token < Token::End) lexer.next();
    return lexer.token == Token::End ? nullptr : lexer.problem;
}

}  // namespace moat
