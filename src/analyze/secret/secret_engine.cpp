#include "analyze/secret/secret_engine.h"

#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <map>
#include <optional>
#include <regex>

#include <fmt/format.h>

namespace moat {
namespace {

// How far around a Hyperscan hit std::regex looks (the line, clipped to this). Long enough for
// every built-in rule; short enough that minified one-line files stay cheap.
constexpr size_t kWindowBefore = 1024;
constexpr size_t kWindowAfter = 512;
constexpr size_t kMaxHitsPerText = 100000;  // then the rest of the text is not looked at
constexpr size_t kMaxSecretsPerText = 500;
constexpr size_t kBlockBodyLinesToSkip = 12;  // "Proc-Type:", "DEK-Info:", "Version:", blank …

// Hyperscan only finds candidates: std::regex re-reads the window around each one with the
// rule's exact regex. Large counted repeats cost Hyperscan much compile time and memory, so
// they are loosened for it: "{m,n}" becomes "{min(m,8),}". Every match of the exact regex still
// matches the loosened one (the bounds only widen), so no secret is lost.
constexpr unsigned kLoosenedRepeatFloor = 8;

}  // namespace

std::string loosen_counted_repeats(std::string_view regex) {
    std::string out;
    bool in_class = false;
    for (size_t i = 0; i < regex.size(); ++i) {
        const char c = regex[i];
        if (c == '\\' && i + 1 < regex.size()) {
            out += c;
            out += regex[++i];
            continue;
        }
        if (in_class) {
            if (c == ']') in_class = false;
            out += c;
            continue;
        }
        if (c == '[') {
            in_class = true;
            out += c;
            if (i + 1 < regex.size() && regex[i + 1] == '^') out += regex[++i];
            if (i + 1 < regex.size() && regex[i + 1] == ']') out += regex[++i];  // a leading ']' is literal
            continue;
        }
        if (c == '{') {
            size_t j = i + 1;
            unsigned low = 0;
            while (j < regex.size() && std::isdigit(static_cast<unsigned char>(regex[j])) && low < 100000)
                low = low * 10 + static_cast<unsigned>(regex[j++] - '0');
            const size_t close = regex.find('}', j);
            bool counted = j > i + 1 && close != std::string_view::npos;
            for (size_t k = j; counted && k < close; ++k)
                counted = std::isdigit(static_cast<unsigned char>(regex[k])) || (k == j && regex[k] == ',');
            if (counted) {
                low = std::min(low, kLoosenedRepeatFloor);
                out += low == 0 ? std::string("*") : fmt::format("{{{},}}", low);
                i = close;
                if (i + 1 < regex.size() && regex[i + 1] == '?') ++i;  // lazy: the same to Hyperscan
                continue;
            }
        }
        out += c;
    }
    return out;
}

namespace {

// std::regex expands counted repeats into automaton states: "((a{1000}){1000}){1000}" would
// take all memory. A rule's regex is refused when its size with repeats expanded is above this.
constexpr size_t kMaxExpandedRegexSize = 50000;

size_t expanded_regex_size(std::string_view regex) {
    auto add = [](size_t a, size_t b) { return std::min(a + b, kMaxExpandedRegexSize + 1); };
    auto times = [](size_t a, size_t b) {
        return b != 0 && a > (kMaxExpandedRegexSize + 1) / b ? kMaxExpandedRegexSize + 1
                                                             : std::min(a * b, kMaxExpandedRegexSize + 1);
    };
    std::vector<size_t> sequence{0};  // size so far of each open group
    size_t last_atom = 0;
    for (size_t i = 0; i < regex.size(); ++i) {
        const char c = regex[i];
        if (c == '\\') {
            ++i;
            last_atom = 1;
        } else if (c == '[') {
            size_t j = i + 1;
            if (j < regex.size() && regex[j] == '^') ++j;
            if (j < regex.size() && regex[j] == ']') ++j;
            while (j < regex.size() && regex[j] != ']') j += regex[j] == '\\' ? 2 : 1;
            i = j;
            last_atom = 1;
        } else if (c == '(') {
            if (sequence.size() > 1000) return kMaxExpandedRegexSize + 1;
            sequence.push_back(0);
            if (i + 1 < regex.size() && regex[i + 1] == '?') i += 2;  // (?: (?= (?! …
            continue;
        } else if (c == ')') {
            last_atom = sequence.back();
            if (sequence.size() > 1) sequence.pop_back();
        } else if (c == '{') {
            size_t j = i + 1;
            size_t low = 0, high = 0;
            while (j < regex.size() && std::isdigit(static_cast<unsigned char>(regex[j])))
                low = std::min<size_t>(low * 10 + static_cast<size_t>(regex[j++] - '0'), 1000000);
            high = low;
            if (j < regex.size() && regex[j] == ',') {
                ++j;
                high = low + 1;  // unbounded: one more copy and a loop
                if (j < regex.size() && std::isdigit(static_cast<unsigned char>(regex[j]))) high = 0;
                while (j < regex.size() && std::isdigit(static_cast<unsigned char>(regex[j])))
                    high = std::min<size_t>(high * 10 + static_cast<size_t>(regex[j++] - '0'), 1000000);
            }
            if (j < regex.size() && regex[j] == '}' && j > i + 1) {
                const size_t copies = std::max<size_t>(std::max(low, high), 1);
                sequence.back() = add(sequence.back(), times(last_atom, copies - 1));
                last_atom = times(last_atom, copies);
                i = j;
                continue;
            }
            last_atom = 1;
        } else if (c == '|' || c == '*' || c == '+' || c == '?') {
            continue;
        } else {
            last_atom = 1;
        }
        sequence.back() = add(sequence.back(), last_atom);
    }
    size_t total = 0;
    for (size_t size : sequence) total = add(total, size);
    return total;
}

struct DatabaseDeleter {
    void operator()(hs_database_t* db) const { hs_free_database(db); }
};
struct ScratchDeleter {
    void operator()(hs_scratch_t* scratch) const { hs_free_scratch(scratch); }
};
using Database = std::unique_ptr<hs_database_t, DatabaseDeleter>;
using ScratchPtr = std::unique_ptr<hs_scratch_t, ScratchDeleter>;

struct Pattern {
    std::string expression;
    unsigned flags = 0;
    unsigned id = 0;
    std::string owner;  // for errors: "rule aws-access-key-id"
};

Result<Database> compile_patterns(const std::vector<Pattern>& patterns) {
    std::vector<const char*> expressions;
    std::vector<unsigned> flags, ids;
    for (const auto& pattern : patterns) {
        expressions.push_back(pattern.expression.c_str());
        flags.push_back(pattern.flags);
        ids.push_back(pattern.id);
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(expressions.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()),
                         HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
        std::string what = error && error->message ? error->message : "unknown error";
        std::string owner = error && error->expression >= 0 && static_cast<size_t>(error->expression) < patterns.size()
                                ? patterns[static_cast<size_t>(error->expression)].owner
                                : "the rule set";
        if (error) hs_free_compile_error(error);
        return Error{fmt::format("{}: regex refused by Hyperscan: {}", owner, what)};
    }
    return Database(db);
}

bool starts_with_nocase(std::string_view text, std::string_view word) {
    if (text.size() < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(word[i])))
            return false;
    return true;
}

bool contains_nocase(std::string_view text, std::string_view word) {
    if (word.empty()) return true;
    const char first_lower = static_cast<char>(std::tolower(static_cast<unsigned char>(word[0])));
    const char first_upper = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
    for (size_t i = 0; i + word.size() <= text.size(); ++i)
        if ((text[i] == first_lower || text[i] == first_upper) && starts_with_nocase(text.substr(i), word)) return true;
    return false;
}

bool is_base64_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

}  // namespace

double shannon_entropy(std::string_view text) {
    if (text.empty()) return 0;
    std::array<size_t, 256> counts{};
    for (char c : text) ++counts[static_cast<unsigned char>(c)];
    double entropy = 0;
    const double n = static_cast<double>(text.size());
    for (size_t count : counts) {
        if (count == 0) continue;
        const double p = static_cast<double>(count) / n;
        entropy -= p * std::log2(p);
    }
    return entropy;
}

std::string redact_secret(std::string_view secret) {
    const size_t keep = std::min<size_t>(4, secret.size() / 4);
    std::string out(secret.substr(0, keep));
    out.append(secret.size() - 2 * keep, '*');
    out.append(secret.substr(secret.size() - keep));
    return out;
}

// ---------------------------------------------------------------------------------------------

struct SecretRuleSet::Impl {
    std::vector<SecretRule> rules;
    std::vector<SecretAllowRule> allow_rules;
    std::vector<std::regex> confirm;  // per rule

    // Content databases: [0] the rules without a path restriction; then one per distinct
    // `paths` regex, run only where the path database says that regex matched.
    struct ContentDb {
        Database db;
        int path_pattern = -1;  // index in the path database; -1: everywhere
    };
    std::vector<ContentDb> content;

    // The path database: every path regex the rules and allow rules use, each once.
    Database path_db;
    std::vector<std::string> path_patterns;
    std::vector<std::vector<int>> rule_allow_paths;  // per rule: path pattern indexes
    std::vector<int> allow_path;                     // per allow rule: path pattern index or -1
    std::vector<std::optional<std::regex>> allow_secret;  // per allow rule

    ScratchPtr prototype_scratch;

    int path_index(const std::string& regex, std::map<std::string, int>& seen) {
        auto [it, inserted] = seen.emplace(regex, static_cast<int>(path_patterns.size()));
        if (inserted) path_patterns.push_back(regex);
        return it->second;
    }

    // Whether an allow rule with a path and no secret regex covers a path.
    bool skips(const std::vector<char>& path_matched) const {
        for (size_t i = 0; i < allow_rules.size(); ++i)
            if (allow_path[i] >= 0 && !allow_secret[i] && path_matched[static_cast<size_t>(allow_path[i])])
                return true;
        return false;
    }

    // Which path patterns match `path`.
    std::vector<char> match_path(std::string_view path, hs_scratch_t* scratch) const {
        std::vector<char> matched(path_patterns.size(), 0);
        if (!path_db || path.size() > UINT_MAX) return matched;
        auto on_match = [](unsigned id, unsigned long long, unsigned long long, unsigned, void* context) -> int {
            (*static_cast<std::vector<char>*>(context))[id] = 1;
            return 0;
        };
        hs_scan(path_db.get(), path.data(), static_cast<unsigned>(path.size()), 0, scratch, on_match, &matched);
        return matched;
    }
};

SecretRuleSet::SecretRuleSet() : impl_(std::make_unique<Impl>()) {}
SecretRuleSet::~SecretRuleSet() = default;

const std::vector<SecretRule>& SecretRuleSet::rules() const { return impl_->rules; }
const std::vector<SecretAllowRule>& SecretRuleSet::allow_rules() const { return impl_->allow_rules; }

Result<std::shared_ptr<const SecretRuleSet>> SecretRuleSet::compile(std::vector<SecretRule> rules,
                                                                    std::vector<SecretAllowRule> allow_rules) {
    std::shared_ptr<SecretRuleSet> set(new SecretRuleSet());
    Impl& impl = *set->impl_;
    impl.rules = std::move(rules);
    impl.allow_rules = std::move(allow_rules);
    if (impl.rules.empty()) return Error{"no secret rules to compile"};

    std::map<std::string, int> path_seen;
    std::vector<Pattern> path_patterns_owner;  // parallel to impl.path_patterns, for errors
    auto add_path = [&](const std::string& regex, const std::string& owner) {
        const size_t before = impl.path_patterns.size();
        const int index = impl.path_index(regex, path_seen);
        if (impl.path_patterns.size() > before)
            path_patterns_owner.push_back(Pattern{regex, HS_FLAG_SINGLEMATCH, static_cast<unsigned>(index), owner});
        return index;
    };

    std::map<int, std::vector<Pattern>> content_by_path;  // -1: everywhere
    for (size_t i = 0; i < impl.rules.size(); ++i) {
        const SecretRule& rule = impl.rules[i];
        const std::string owner = fmt::format("rule {}", rule.id);
        if (rule.id.empty()) return Error{fmt::format("rule #{} has no id", i + 1)};
        if (rule.regex.empty()) return Error{fmt::format("{}: empty regex", owner)};
        if (rule.secret_group < 0) return Error{fmt::format("{}: negative secret group", owner)};
        if (expanded_regex_size(rule.regex) > kMaxExpandedRegexSize)
            return Error{fmt::format("{}: regex too large once its counted repeats are expanded", owner)};
        try {
            auto flags = std::regex::ECMAScript;
            if (rule.case_insensitive) flags |= std::regex::icase;
            impl.confirm.emplace_back(rule.regex, flags);
        } catch (const std::regex_error& error) {
            return Error{fmt::format("{}: bad regex: {}", owner, error.what())};
        }
        if (static_cast<size_t>(rule.secret_group) > impl.confirm.back().mark_count())
            return Error{fmt::format("{}: secret group {} but the regex has {} groups", owner, rule.secret_group,
                                     impl.confirm.back().mark_count())};
        const int path = rule.paths.empty() ? -1 : add_path(rule.paths, owner + " (paths)");
        unsigned flags = HS_FLAG_MULTILINE;
        if (rule.case_insensitive) flags |= HS_FLAG_CASELESS;
        content_by_path[path].push_back(
            Pattern{loosen_counted_repeats(rule.regex), flags, static_cast<unsigned>(i), owner});
        std::vector<int> allow_paths;
        for (const auto& allow : rule.allow_paths) allow_paths.push_back(add_path(allow, owner + " (allow path)"));
        impl.rule_allow_paths.push_back(std::move(allow_paths));
    }
    for (const auto& allow : impl.allow_rules) {
        const std::string owner = fmt::format("allow rule {}", allow.id);
        if (allow.path.empty() && allow.secret.empty())
            return Error{fmt::format("{}: needs a path or a secret regex", owner)};
        impl.allow_path.push_back(allow.path.empty() ? -1 : add_path(allow.path, owner));
        if (allow.secret.empty()) {
            impl.allow_secret.emplace_back(std::nullopt);
            continue;
        }
        if (expanded_regex_size(allow.secret) > kMaxExpandedRegexSize)
            return Error{fmt::format("{}: regex too large once its counted repeats are expanded", owner)};
        try {
            impl.allow_secret.emplace_back(std::regex(allow.secret, std::regex::ECMAScript | std::regex::icase));
        } catch (const std::regex_error& error) {
            return Error{fmt::format("{}: bad secret regex: {}", owner, error.what())};
        }
    }

    for (auto& [path, patterns] : content_by_path) {
        auto db = compile_patterns(patterns);
        if (!db) return db.error();
        impl.content.push_back(Impl::ContentDb{std::move(*db), path});
    }
    if (!path_patterns_owner.empty()) {
        auto db = compile_patterns(path_patterns_owner);
        if (!db) return db.error();
        impl.path_db = std::move(*db);
    }

    hs_scratch_t* scratch = nullptr;
    for (const auto& content : impl.content)
        if (hs_alloc_scratch(content.db.get(), &scratch) != HS_SUCCESS)
            return Error{"cannot allocate Hyperscan scratch space"};
    if (impl.path_db && hs_alloc_scratch(impl.path_db.get(), &scratch) != HS_SUCCESS)
        return Error{"cannot allocate Hyperscan scratch space"};
    impl.prototype_scratch.reset(scratch);
    return std::shared_ptr<const SecretRuleSet>(std::move(set));
}

std::shared_ptr<const SecretRuleSet> SecretRuleSet::builtin() {
    static const std::shared_ptr<const SecretRuleSet> set = [] {
        auto compiled = compile(builtin_secret_rules(), builtin_secret_allow_rules());
        // The built-in table is tested to compile; failing here is a programming error.
        if (!compiled) {
            std::fprintf(stderr, "moat: built-in secret rules: %s\n", compiled.error().message.c_str());
            std::abort();
        }
        return *compiled;
    }();
    return set;
}

// ---------------------------------------------------------------------------------------------

struct SecretMatcher::Scratch {
    ScratchPtr scratch;
};

SecretMatcher::SecretMatcher(std::shared_ptr<const SecretRuleSet> rules)
    : rules_(std::move(rules)), scratch_(std::make_unique<Scratch>()) {
    hs_scratch_t* clone = nullptr;
    if (hs_clone_scratch(rules_->impl_->prototype_scratch.get(), &clone) == HS_SUCCESS) scratch_->scratch.reset(clone);
}

SecretMatcher::~SecretMatcher() = default;

SecretPathVerdict SecretMatcher::judge_path(std::string_view path) {
    if (!scratch_->scratch) return {};
    return SecretPathVerdict{rules_->impl_->skips(rules_->impl_->match_path(path, scratch_->scratch.get()))};
}

namespace {

struct RawHit {
    unsigned rule;
    size_t end;
};

struct ScanContext {
    std::string_view text;
    std::vector<RawHit>* hits;
    std::vector<size_t>* last_end;  // per rule; SIZE_MAX: none yet
    bool overflow = false;
};

int on_content_match(unsigned id, unsigned long long, unsigned long long to, unsigned, void* raw) {
    auto& context = *static_cast<ScanContext*>(raw);
    const size_t end = static_cast<size_t>(to);
    size_t& last = (*context.last_end)[id];
    // Hyperscan reports every end of a match ("{20,}" ends twenty times): one hit per rule and
    // line is enough, since the confirming regex reads the whole line around it.
    if (last != SIZE_MAX && end - last < kWindowBefore / 2 &&
        !std::memchr(context.text.data() + last, '\n', end - last))
        return 0;
    last = end;
    context.hits->push_back(RawHit{id, end});
    if (context.hits->size() >= kMaxHitsPerText) {
        context.overflow = true;
        return 1;
    }
    return 0;
}

// Counts lines to an offset, moving forward from where the last question left it.
class LineCounter {
public:
    explicit LineCounter(std::string_view text) : text_(text) {}
    size_t line_at(size_t offset) {
        offset = std::min(offset, text_.size());
        if (offset < position_) {
            position_ = 0;
            line_ = 1;
        }
        const char* p = text_.data() + position_;
        const char* stop = text_.data() + offset;
        while (p < stop) {
            const void* newline = std::memchr(p, '\n', static_cast<size_t>(stop - p));
            if (!newline) break;
            ++line_;
            p = static_cast<const char*>(newline) + 1;
        }
        position_ = offset;
        return line_;
    }

private:
    std::string_view text_;
    size_t position_ = 0;
    size_t line_ = 1;
};

size_t line_end_of(std::string_view text, size_t position) {
    const void* newline = std::memchr(text.data() + position, '\n', text.size() - position);
    return newline ? static_cast<size_t>(static_cast<const char*>(newline) - text.data()) : text.size();
}

// The first line of a PEM-like block's body after the header that ends at `header_end`: the
// header may be followed by a literal "\n" (a key inside a JSON string) or by real lines,
// some of them "Name: value" headers. Empty when no base64 body follows (a placeholder).
std::pair<size_t, size_t> block_body(std::string_view text, size_t header_end) {
    auto base64_run = [&](size_t from) {
        size_t end = from;
        while (end < text.size() && is_base64_char(text[end]) && end - from < 4096) ++end;
        return end - from >= 16 ? std::pair<size_t, size_t>{from, end - from} : std::pair<size_t, size_t>{0, 0};
    };
    if (text.substr(header_end).starts_with("\\n")) return base64_run(header_end + 2);
    size_t position = line_end_of(text, header_end);
    for (size_t skipped = 0; skipped < kBlockBodyLinesToSkip && position < text.size(); ++skipped) {
        const size_t start = position + 1;
        const size_t end = line_end_of(text, std::min(start, text.size()));
        std::string_view line = trim(text.substr(std::min(start, text.size()), end - std::min(start, text.size())));
        position = end;
        if (line.empty()) continue;
        const size_t colon = line.find(": ");
        if (colon != std::string_view::npos && colon < 40 && line.find(' ') >= colon) continue;  // "DEK-Info: …"
        if (line.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
            std::string_view::npos)
            return {0, 0};
        if (line.size() < 16) return {0, 0};
        return {static_cast<size_t>(line.data() - text.data()), line.size()};
    }
    return {0, 0};
}

}  // namespace

std::vector<SecretHit> SecretMatcher::scan(std::string_view text, std::string_view path) {
    std::vector<SecretHit> found;
    const auto& impl = *rules_->impl_;
    if (!scratch_->scratch || text.empty()) return found;
    if (text.size() > UINT_MAX) text = text.substr(0, UINT_MAX);

    const auto path_matched = impl.match_path(path, scratch_->scratch.get());
    if (impl.skips(path_matched)) return found;

    std::vector<RawHit> hits;
    std::vector<size_t> last_end(impl.rules.size(), SIZE_MAX);
    ScanContext context{text, &hits, &last_end};
    for (const auto& content : impl.content) {
        if (content.path_pattern >= 0 && !path_matched[static_cast<size_t>(content.path_pattern)]) continue;
        hs_scan(content.db.get(), text.data(), static_cast<unsigned>(text.size()), 0, scratch_->scratch.get(),
                on_content_match, &context);
        if (context.overflow) break;
    }
    if (hits.empty()) return found;
    std::sort(hits.begin(), hits.end(),
              [](const RawHit& a, const RawHit& b) { return a.end != b.end ? a.end < b.end : a.rule < b.rule; });

    auto secret_allowed = [&](size_t rule_index, std::string_view secret) {
        for (int path_index : impl.rule_allow_paths[rule_index])
            if (path_matched[static_cast<size_t>(path_index)]) return true;
        for (size_t i = 0; i < impl.allow_rules.size(); ++i) {
            if (!impl.allow_secret[i]) continue;
            if (impl.allow_path[i] >= 0 && !path_matched[static_cast<size_t>(impl.allow_path[i])]) continue;
            if (std::regex_search(secret.begin(), secret.end(), *impl.allow_secret[i])) return true;
        }
        return false;
    };

    struct Candidate {
        size_t rule, offset, length;
    };
    std::vector<Candidate> candidates;
    std::vector<size_t> covered(impl.rules.size(), 0);  // per rule: text before this was read
    for (const RawHit& hit : hits) {
        if (candidates.size() >= kMaxSecretsPerText) break;
        const SecretRule& rule = impl.rules[hit.rule];
        if (hit.end <= covered[hit.rule] || hit.end == 0) continue;
        size_t anchor = hit.end - 1;  // the last byte of the match
        if (text[anchor] == '\n' && anchor > 0) --anchor;  // a match ending in a newline: its line is before
        const size_t floor = anchor > kWindowBefore ? anchor - kWindowBefore : 0;
        size_t line_start = anchor;
        while (line_start > floor && text[line_start - 1] != '\n') --line_start;
        const size_t line_end = line_end_of(text, anchor);
        const size_t window_end = std::min(line_end, hit.end + kWindowAfter);
        covered[hit.rule] = window_end;
        const std::string_view window = text.substr(line_start, window_end - line_start);

        if (!rule.keywords.empty() &&
            std::none_of(rule.keywords.begin(), rule.keywords.end(),
                         [&](const std::string& keyword) { return contains_nocase(window, keyword); }))
            continue;

        auto flags = std::regex_constants::match_default;
        if (line_start > 0 && text[line_start - 1] != '\n') flags |= std::regex_constants::match_not_bol;
        if (window_end < text.size() && text[window_end] != '\n') flags |= std::regex_constants::match_not_eol;
        const std::regex& confirm = impl.confirm[hit.rule];
        for (std::cregex_iterator it(window.data(), window.data() + window.size(), confirm, flags), end; it != end;
             ++it) {
            const auto& match = *it;
            const auto& group = match[rule.secret_group];
            if (!group.matched || group.length() == 0) continue;
            size_t offset = line_start + static_cast<size_t>(group.first - window.data());
            size_t length = static_cast<size_t>(group.length());
            if (rule.block_body) {
                auto [body_offset, body_length] = block_body(text, offset + length);
                if (body_length == 0) continue;
                offset = body_offset;
                length = std::min<size_t>(body_length, 64);
            }
            const std::string_view secret = text.substr(offset, length);
            if (secret.size() < rule.min_secret_length) continue;
            if (rule.min_entropy > 0 && shannon_entropy(secret) < rule.min_entropy) continue;
            if (secret_allowed(hit.rule, secret)) continue;
            candidates.push_back(Candidate{hit.rule, offset, length});
        }
    }

    // Two rules finding the same secret: keep the one listed first (the more specific).
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        return a.offset != b.offset ? a.offset < b.offset : a.rule < b.rule;
    });
    std::vector<Candidate> kept;
    for (const Candidate& candidate : candidates) {
        bool shadowed = false;
        for (auto& other : kept) {
            const bool overlap = candidate.offset < other.offset + other.length &&
                                 other.offset < candidate.offset + candidate.length;
            if (!overlap) continue;
            if (candidate.rule < other.rule) other = candidate;  // the earlier rule takes the spot
            shadowed = true;
            break;
        }
        if (!shadowed) kept.push_back(candidate);
    }
    std::sort(kept.begin(), kept.end(), [](const Candidate& a, const Candidate& b) { return a.offset < b.offset; });
    LineCounter lines(text);
    for (const Candidate& candidate : kept)
        found.push_back(SecretHit{&impl.rules[candidate.rule], lines.line_at(candidate.offset), candidate.offset,
                                  candidate.length, redact_secret(text.substr(candidate.offset, candidate.length))});
    return found;
}

}  // namespace moat
