// A user rule file (--secret-config) adds rules and allow rules; a bad one is an error that
// names the file and the rule.
#include <gtest/gtest.h>

#include "analyze/secret/secret_config.h"
#include "secret_test_support.h"

namespace moat::testing {
namespace {

Result<std::shared_ptr<const SecretRuleSet>> build(std::string_view json) {
    auto config = parse_secret_config(json, "rules.json");
    if (!config) return config.error();
    return build_secret_rule_set(&*config, "rules.json");
}

const std::string kAcme = "acme_" + fake_chars(32, "abcdefghijklmnopqrstuvwxyz0123456789", 9);

TEST(SecretConfig, AUserRuleFindsItsSecretAndAnAllowRuleSilencesOne) {
    auto rules = build(R"j({
      "rules": [{"id": "acme-api-token", "title": "ACME API token", "severity": "critical",
                 "regex": "acme_[a-z0-9]{32}", "keywords": ["ACME_"]}],
      "allow_rules": [{"id": "acme-fixtures", "path": "^srv/testdata/"},
                      {"id": "known-dummy", "secret": "^acme_0+$"}]
    })j");
    ASSERT_TRUE(rules) << rules.error().message;
    EXPECT_EQ((*rules)->rules().size(), builtin_secret_rules().size() + 1);
    SecretMatcher matcher(*rules);

    auto hits = matcher.scan("x\nkey = " + kAcme + "\n", "srv/app/acme.conf");
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].rule->id, "acme-api-token");
    EXPECT_EQ(hits[0].rule->severity, Severity::Critical);
    EXPECT_EQ(hits[0].line, 2u);
    EXPECT_EQ(hits[0].redacted, "acme" + std::string(kAcme.size() - 8, '*') + kAcme.substr(kAcme.size() - 4));

    EXPECT_TRUE(matcher.scan("key = " + kAcme + "\n", "srv/testdata/acme.conf").empty()) << "allowed by path";
    EXPECT_TRUE(matcher.judge_path("srv/testdata/acme.conf").skip);
    EXPECT_TRUE(matcher.scan("key = acme_" + std::string(32, '0') + "\n", "srv/app/acme.conf").empty())
        << "allowed by secret";
    // Built-in rules still work beside it.
    EXPECT_EQ(matcher.scan(cat({"ghp_", fake_chars(36, kAlnum)}), "srv/app/x").size(), 1u);
}

TEST(SecretConfig, DisablesAndReplacesBuiltInRules) {
    const std::string jwt = cat({"eyJ", fake_chars(20, kUrlSafe), ".eyJ", fake_chars(30, kUrlSafe, 2), ".",
                                 fake_chars(43, kUrlSafe, 3)});
    auto rules = build(R"j({"disable_rules": ["jwt"]})j");
    ASSERT_TRUE(rules) << rules.error().message;
    EXPECT_TRUE(SecretMatcher(*rules).scan(jwt, "app/t").empty());

    auto replaced = build(R"j({"rules": [{"id": "github-pat", "title": "mine", "severity": "LOW",
                                         "regex": "ghp_[A-Za-z0-9]{36}"}]})j");
    ASSERT_TRUE(replaced) << replaced.error().message;
    auto hits = SecretMatcher(*replaced).scan(cat({"ghp_", fake_chars(36, kAlnum)}), "app/t");
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].rule->title, "mine");
    EXPECT_EQ(hits[0].rule->severity, Severity::Low);
}

TEST(SecretConfig, BadRuleFilesAreClearErrors) {
    struct Bad {
        const char* json;
        const char* expected;  // in the message, after "rules.json: "
    };
    const Bad cases[] = {
        {"not json", "not valid JSON"},
        {"[]", "must be a JSON object"},
        {R"j({"rulez": []})j", "unknown key \"rulez\""},
        {R"j({"rules": [{"id": "x", "title": "t", "regex": "("}]})j", "rule x: bad regex"},
        {R"j({"rules": [{"id": "x", "title": "t", "regex": "a(?=b)"}]})j", "rule x"},
        {R"j({"rules": [{"id": "x", "title": "t", "regex": "a*"}]})j", "rule x: regex refused by Hyperscan"},
        {R"j({"rules": [{"title": "t", "regex": "abc"}]})j", "rule #1: missing \"id\""},
        {R"j({"rules": [{"id": "x", "title": "t", "regex": "abc", "severity": "SEVERE"}]})j",
         "rule x: unknown severity"},
        {R"j({"rules": [{"id": "x", "title": "t", "regex": "abc", "secret_group": 2}]})j", "rule x: secret group 2"},
        {R"j({"rules": [{"id": "x", "title": "t", "regex": "abc", "min_entropy": "high"}]})j", "rule x: \"min_entropy\""},
        {R"j({"rules": [{"id": "x", "title": "t", "regex": "abc", "paths": "("}]})j", "rule x (paths)"},
        {R"j({"rules": [{"id": "x", "title": "t", "regex": "abc"}, {"id": "x", "title": "t", "regex": "abd"}]})j",
         "rule x: id used twice"},
        {R"j({"rules": [{"id": "x", "title": "t", "regex": "((ab{1000}){1000}){1000}"}]})j",
         "rule x: regex too large"},
        {R"j({"allow_rules": [{"id": "a"}]})j", "allow rule a: needs \"path\" or \"secret\""},
        {R"j({"allow_rules": [{"id": "a", "secret": "["}]})j", "allow rule a: bad secret regex"},
        {R"j({"disable_rules": ["no-such-rule"]})j", "no built-in rule \"no-such-rule\""},
        {R"j({"rules": [[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]})j", "nested too deeply"},
    };
    for (const auto& bad : cases) {
        auto rules = build(bad.json);
        ASSERT_FALSE(rules) << bad.json;
        EXPECT_NE(rules.error().message.find("rules.json: "), std::string::npos) << rules.error().message;
        EXPECT_NE(rules.error().message.find(bad.expected), std::string::npos)
            << bad.json << " -> " << rules.error().message;
    }
}

TEST(SecretConfig, MissingFileNamesIt) {
    auto rules = load_secret_rule_set("no/such/secret-rules.json");
    ASSERT_FALSE(rules);
    EXPECT_NE(rules.error().message.find("no/such/secret-rules.json"), std::string::npos);
    auto builtin = load_secret_rule_set("");
    ASSERT_TRUE(builtin);
    EXPECT_EQ(builtin->get(), SecretRuleSet::builtin().get());
}

}  // namespace
}  // namespace moat::testing
