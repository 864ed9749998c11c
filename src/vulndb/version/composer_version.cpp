#include "vulndb/version/composer_version.h"

#include <array>

#include "vulndb/version/digit_runs.h"

namespace moat {
namespace {

using version_runs::compare_bytes;
using version_runs::compare_numbers;

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

bool starts_with_lower(std::string_view text, std::string_view word) {
    if (text.size() < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
        if (lower(text[i]) != word[i]) return false;
    return true;
}

// version_compare's ranks of the special forms; a number ranks as "#" (4).
constexpr int kDev = 0, kAlpha = 1, kBeta = 2, kRc = 3, kNumber = 4, kPatch = 5, kUnknownWord = -1;

struct Normalized {
    bool date = false;
    std::array<std::string_view, 4> numbers{"0", "0", "0", "0"};  // classical versions
    std::string_view date_part;                                   // date versions: runs of digits
    int stability = kNumber;        // kNumber: none
    std::string_view stability_numbers;  // digits and separators after the stability word
    bool dev = false;
    const char* problem = nullptr;
};

struct Modifier {
    int stability = kNumber;
    std::string_view numbers;
    bool dev = false;
};

// `[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?$`, case-insensitive.
bool match_modifier(std::string_view rest, Modifier& out) {
    out = {};
    size_t at = 0;
    if (at < rest.size() && (rest[at] == '.' || rest[at] == '_' || rest[at] == '-')) ++at;
    static constexpr std::array<std::pair<std::string_view, int>, 9> kWords = {{{"stable", kNumber},
                                                                              {"beta", kBeta},
                                                                              {"b", kBeta},
                                                                              {"rc", kRc},
                                                                              {"alpha", kAlpha},
                                                                              {"a", kAlpha},
                                                                              {"patch", kPatch},
                                                                              {"pl", kPatch},
                                                                              {"p", kPatch}}};
    for (const auto& [word, rank] : kWords) {
        if (!starts_with_lower(rest.substr(at), word)) continue;
        // Composer returns a version with "stable" as is (only when written in lowercase);
        // otherwise the lowercased word is appended, which version_compare does not know.
        bool exact_stable = word == "stable" && rest.substr(at, word.size()) == "stable";
        out.stability = word == "stable" ? (exact_stable ? kNumber : kUnknownWord) : rank;
        at += word.size();
        size_t start = at;
        for (;;) {
            size_t next = at;
            if (next < rest.size() && (rest[next] == '.' || rest[next] == '-')) ++next;
            if (next >= rest.size() || !is_digit(rest[next])) break;
            while (next < rest.size() && is_digit(rest[next])) ++next;
            at = next;
        }
        out.numbers = rest.substr(start, at - start);
        if (exact_stable) {
            out.numbers = {};
            out.dev = false;
            size_t dev_at = at;
            if (dev_at < rest.size() && (rest[dev_at] == '.' || rest[dev_at] == '-')) ++dev_at;
            if (starts_with_lower(rest.substr(dev_at), "dev")) at = dev_at + 3;
            return at == rest.size();
        }
        break;
    }
    size_t dev_at = at;
    if (dev_at < rest.size() && (rest[dev_at] == '.' || rest[dev_at] == '-')) ++dev_at;
    if (starts_with_lower(rest.substr(dev_at), "dev")) {
        out.dev = true;
        at = dev_at + 3;
    }
    return at == rest.size();
}

size_t digits_at(std::string_view text, size_t at) {
    size_t end = at;
    while (end < text.size() && is_digit(text[end])) ++end;
    return end - at;
}

bool is_date_separator(char c) { return c == '.' || c == ':' || c == '-'; }

// `\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2}` followed by a modifier and the end, tried
// in the order of the regex engine (greedy, backtracking): the first split that matches.
bool match_date(std::string_view text, size_t at, int pairs, int tails, Normalized& out) {
    auto finish = [&](size_t end) {
        Modifier modifier;
        if (!match_modifier(text.substr(end), modifier)) return false;
        out.date = true;
        out.date_part = text.substr(0, end);
        out.stability = modifier.stability;
        out.stability_numbers = modifier.numbers;
        out.dev = modifier.dev;
        return true;
    };
    size_t next = at < text.size() && is_date_separator(text[at]) ? at + 1 : at;
    if (tails == 0 && pairs < 6 && digits_at(text, next) >= 2 && match_date(text, next + 2, pairs + 1, 0, out))
        return true;
    if (pairs >= 1) {
        if (tails < 2)
            for (size_t length = std::min<size_t>(3, digits_at(text, next)); length >= 1; --length)
                if (match_date(text, next + length, pairs, tails + 1, out)) return true;
        return finish(at);
    }
    return false;
}

Normalized normalize(std::string_view version) {
    Normalized out;
    std::string_view text = trim(version);
    // " as alias": the version is the part before it.
    if (size_t as = text.find(" as "); as != std::string_view::npos) text = trim(text.substr(0, as));
    // "@stability" flags.
    if (size_t at = text.rfind('@'); at != std::string_view::npos) {
        std::string_view flag = text.substr(at + 1);
        for (std::string_view known : {"stable", "rc", "beta", "alpha", "dev"})
            if (flag.size() == known.size() && starts_with_lower(flag, known)) text = trim(text.substr(0, at));
    }
    if (starts_with_lower(text, "dev-") || text == "master" || text == "trunk" || text == "default") {
        out.problem = "branch version";
        return out;
    }
    if (size_t plus = text.find('+'); plus != std::string_view::npos) text = text.substr(0, plus);
    if (!text.empty() && (text.front() == 'v' || text.front() == 'V')) text.remove_prefix(1);
    if (text.empty()) {
        out.problem = "version is empty";
        return out;
    }

    // Classical: `\d{1,5}+(\.\d++)?(\.\d++)?(\.\d++)?` and a modifier.
    size_t first = digits_at(text, 0);
    if (first >= 1 && first <= 5) {
        size_t at = first;
        out.numbers[0] = text.substr(0, first);
        int count = 1;
        while (count < 4 && at < text.size() && text[at] == '.' && digits_at(text, at + 1) > 0) {
            size_t length = digits_at(text, at + 1);
            out.numbers[count++] = text.substr(at + 1, length);
            at += 1 + length;
        }
        Modifier modifier;
        if (match_modifier(text.substr(at), modifier)) {
            out.stability = modifier.stability;
            out.stability_numbers = modifier.numbers;
            out.dev = modifier.dev;
            return out;
        }
    }
    out.numbers = {"0", "0", "0", "0"};
    if (first >= 4 && match_date(text, 4, 0, 0, out)) return out;
    out.problem = text.ends_with("dev") || text.ends_with("DEV") ? "branch version" : "not a Composer version";
    return out;
}

// The parts version_compare sees after canonicalising the normalised string.
struct Token {
    bool number;
    std::string_view digits;  // number
    int rank;                 // word
};

class Tokens {
public:
    explicit Tokens(const Normalized& version) : v_(version) {}
    bool next(Token& out) {
        for (;;) {
            switch (phase_) {
                case 0:  // the numbers
                    if (!v_.date) {
                        if (index_ < 4) {
                            out = {true, v_.numbers[index_++], 0};
                            return true;
                        }
                    } else if (runs(v_.date_part, out)) {
                        return true;
                    }
                    next_phase();
                    break;
                case 1:
                    next_phase();
                    if (v_.stability != kNumber) {
                        out = {false, {}, v_.stability};
                        return true;
                    }
                    break;
                case 2:
                    if (v_.stability != kNumber && runs(v_.stability_numbers, out)) return true;
                    next_phase();
                    break;
                case 3:
                    next_phase();
                    if (v_.dev) {
                        out = {false, {}, kDev};
                        return true;
                    }
                    break;
                default:
                    return false;
            }
        }
    }

private:
    void next_phase() {
        ++phase_;
        at_ = 0;
    }
    bool runs(std::string_view text, Token& out) {
        while (at_ < text.size() && !is_digit(text[at_])) ++at_;
        if (at_ == text.size()) return false;
        size_t length = digits_at(text, at_);
        out = {true, text.substr(at_, length), 0};
        at_ += length;
        return true;
    }

    const Normalized& v_;
    int phase_ = 0;
    size_t index_ = 0;
    size_t at_ = 0;
};

int sign(int value) { return (value > 0) - (value < 0); }

int compare_normalized(const Normalized& a, const Normalized& b) {
    Tokens x(a), y(b);
    for (;;) {
        Token p, q;
        bool has_p = x.next(p), has_q = y.next(q);
        if (!has_p && !has_q) return 0;
        if (!has_p || !has_q) {
            // The longer one: newer if it goes on with a number, else its word against "#".
            const Token& rest = has_p ? p : q;
            int order = rest.number ? 1 : sign(rest.rank - kNumber);
            return has_p ? order : -order;
        }
        int order;
        if (p.number && q.number)
            order = compare_numbers(p.digits, q.digits);
        else
            order = sign((p.number ? kNumber : p.rank) - (q.number ? kNumber : q.rank));
        if (order) return order;
    }
}

}  // namespace

int composer_version_compare(std::string_view a, std::string_view b) {
    Normalized x = normalize(a), y = normalize(b);
    bool x_ok = x.problem == nullptr, y_ok = y.problem == nullptr;
    if (!x_ok || !y_ok) return x_ok == y_ok ? compare_bytes(a, b) : (x_ok ? 1 : -1);
    return compare_normalized(x, y);
}

const char* composer_version_problem(std::string_view version) { return normalize(version).problem; }

}  // namespace moat
