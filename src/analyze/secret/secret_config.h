// A user's secret rule file (`moat scan --secret-config FILE`): JSON that adds rules and allow
// rules to the built-in set, replaces built-in rules of the same id, or disables some.
//
//   {
//     "rules": [
//       {"id": "acme-api-token",            // required: letters, digits, '-', '_', '.'
//        "title": "ACME API token",          // required
//        "severity": "HIGH",                 // CRITICAL|HIGH|MEDIUM|LOW|UNKNOWN (default HIGH)
//        "regex": "acme_[a-z0-9]{32}",       // required; the subset Hyperscan and ECMAScript share
//        "secret_group": 0,                  // capture group holding the secret (default 0)
//        "case_insensitive": false,
//        "keywords": ["acme_"],              // the line must hold one of them (ignoring case)
//        "min_entropy": 3.0,                 // bits per byte the secret must reach
//        "paths": "(^|/)acme\\.conf$",       // run only on matching paths
//        "allow_paths": ["^opt/acme/examples/"]}
//     ],
//     "allow_rules": [
//       {"id": "our-test-keys", "description": "fixtures",
//        "path": "^srv/app/testdata/",       // regex on the path; alone: the files are not read
//        "secret": "^acme_0{32}$"}           // regex on the secret (ignoring case)
//     ],
//     "disable_rules": ["jwt"]              // built-in rule ids to turn off
//   }
//
// Unknown keys are errors (a typo should not silently disable a rule). See docs/secret-rules.md.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/secret/secret_engine.h"
#include "analyze/secret/secret_rule.h"
#include "util/result.h"

namespace moat {

struct SecretConfig {
    std::vector<SecretRule> rules;
    std::vector<SecretAllowRule> allow_rules;
    std::vector<std::string> disabled_rules;
};

// Parses a rule file's text; errors name `file_name` and the rule at fault.
Result<SecretConfig> parse_secret_config(std::string_view text, std::string_view file_name);
Result<SecretConfig> load_secret_config(const std::string& path);

// The built-in rules merged with `user` (may be null) and compiled. Errors name `file_name`.
Result<std::shared_ptr<const SecretRuleSet>> build_secret_rule_set(const SecretConfig* user,
                                                                   std::string_view file_name = "");
// Built-ins plus the rule file at `path` ("" for built-ins only), compiled: what
// `--secret-config` needs.
Result<std::shared_ptr<const SecretRuleSet>> load_secret_rule_set(const std::string& path);

}  // namespace moat
