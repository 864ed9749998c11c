// Secret rules compiled once into Hyperscan databases (one for the rules that apply everywhere,
// one per path-restricted group, one over paths), and a matcher that runs them over a text.
// Hyperscan finds where a rule matches in one pass over the bytes; only the short window
// around each hit is then re-read with std::regex to pull out the secret group, check
// entropy and allow rules, and number the line. Only secret_engine.cpp sees <hs/hs.h>.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/secret/secret_rule.h"
#include "util/result.h"

namespace moat {

class SecretRuleSet;

// One secret found in a text.
struct SecretHit {
    const SecretRule* rule = nullptr;
    size_t line = 0;         // 1-based
    size_t offset = 0;       // of the secret in the text
    size_t length = 0;       // of the secret
    std::string redacted;    // the secret with its middle starred out
};

// What the rules say about a path before any of its bytes are read.
struct SecretPathVerdict {
    bool skip = false;  // an allow rule covers every secret there: do not read it
};

// Immutable once compiled; share it between threads (each thread needs its own SecretMatcher).
class SecretRuleSet {
public:
    ~SecretRuleSet();
    SecretRuleSet(const SecretRuleSet&) = delete;
    SecretRuleSet& operator=(const SecretRuleSet&) = delete;

    // Compiles `rules` and `allow_rules`; an error names the rule whose regex is refused.
    static Result<std::shared_ptr<const SecretRuleSet>> compile(std::vector<SecretRule> rules,
                                                                std::vector<SecretAllowRule> allow_rules);
    // The built-in rules and allow rules, compiled on first use.
    static std::shared_ptr<const SecretRuleSet> builtin();

    const std::vector<SecretRule>& rules() const;
    const std::vector<SecretAllowRule>& allow_rules() const;

private:
    SecretRuleSet();
    friend class SecretMatcher;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Runs a rule set over texts. Holds Hyperscan scratch space: one per thread.
class SecretMatcher {
public:
    explicit SecretMatcher(std::shared_ptr<const SecretRuleSet> rules);
    ~SecretMatcher();
    SecretMatcher(const SecretMatcher&) = delete;
    SecretMatcher& operator=(const SecretMatcher&) = delete;

    // The secrets in `text`, found at `path` (a file path, or "image-config:Env[KEY]"); the
    // path decides which path-restricted rules run and which allow rules apply.
    std::vector<SecretHit> scan(std::string_view text, std::string_view path);
    // Whether the file at `path` is worth reading at all.
    SecretPathVerdict judge_path(std::string_view path);
    const SecretRuleSet& rule_set() const { return *rules_; }

private:
    std::shared_ptr<const SecretRuleSet> rules_;
    struct Scratch;
    std::unique_ptr<Scratch> scratch_;
};

// The regex Hyperscan compiles for a rule: counted repeats widened (a superset of matches).
std::string loosen_counted_repeats(std::string_view regex);

// Shannon entropy of `text` in bits per byte.
double shannon_entropy(std::string_view text);
// Keeps at most the first and last quarter of `secret` (4 characters each at most) and stars
// out the rest: "AKIAQX3TESTPUBLIC234" -> "AKIA************C234".
std::string redact_secret(std::string_view secret);

}  // namespace moat
