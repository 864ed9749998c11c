// The vocabulary of secret detection: a rule says what a secret looks like (a regex both
// Hyperscan and std::regex accept), which part of the match is the secret (so the report can
// redact it), and where it applies. Allow rules say where a hit is not a secret.
#pragma once

#include <string>
#include <vector>

#include "vulndb/vulndb.h"

namespace moat {

struct SecretRule {
    std::string id;     // kebab case, stable: "aws-access-key-id"
    std::string title;  // what was found, in words
    Severity severity = Severity::High;
    // The pattern, in the syntax both engines share: classes, \d \s \w \b, (?:…), {m,n}, |,
    // ^ and $ as line anchors. No (?i) (use case_insensitive), no look-around, no backrefs.
    std::string regex;
    int secret_group = 0;  // the capture group that holds the secret; 0 = the whole match
    bool case_insensitive = false;
    // A hit counts only when its line holds one of these (lower case, compared ignoring case).
    // Empty: no keyword needed.
    std::vector<std::string> keywords;
    double min_entropy = 0;  // Shannon bits per byte the secret must reach (generic rules)
    size_t min_secret_length = 0;
    // Regex on the file path (or "image-config:…" place): the rule runs only where it matches.
    // Empty: everywhere.
    std::string paths;
    std::vector<std::string> allow_paths;  // regexes on the path where this rule never fires
    // The match is a header line ("-----BEGIN … PRIVATE KEY-----"): the secret is the first
    // line of the block's body, which must look like base64. Placeholder blocks are ignored.
    bool block_body = false;
};

// A hit that is not a secret: allowed when the path matches `path` (if given) and the secret
// matches `secret` (if given). At least one of them is set.
struct SecretAllowRule {
    std::string id;
    std::string description;
    std::string path;    // regex on the path
    std::string secret;  // regex on the secret text
};

// The rules moat ships (at least 100), specific ones first: when two rules find the same
// secret on a line, the one listed first is reported.
const std::vector<SecretRule>& builtin_secret_rules();
// Documented example keys and placeholders (AWS's published example pair, "changeme",
// "${VAR}", "<password>", "xxxx" …) and paths that hold examples rather than secrets.
const std::vector<SecretAllowRule>& builtin_secret_allow_rules();

}  // namespace moat
