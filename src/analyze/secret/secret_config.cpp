#include "analyze/secret/secret_config.h"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace moat {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxFileBytes = 4u << 20;
constexpr size_t kMaxDepth = 8;  // the format needs 4
constexpr size_t kMaxRules = 2000;
constexpr size_t kMaxRegexBytes = 4096;

// Nesting depth of JSON text, strings skipped; checked before parsing so that hostile nesting
// never reaches the parser or the destructor.
size_t json_depth(std::string_view text) {
    size_t depth = 0, deepest = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
        else if ((c == ']' || c == '}') && depth > 0) --depth;
    }
    return deepest;
}

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

class RuleReader {
public:
    RuleReader(std::string_view file, std::string what) : file_(file), what_(std::move(what)) {}

    Error error(std::string_view message) const { return Error{fmt::format("{}: {}: {}", file_, what_, message)}; }

    Result<std::string> string(const json& object, const char* key, bool required) const {
        auto it = object.find(key);
        if (it == object.end()) {
            if (required) return error(fmt::format("missing \"{}\"", key));
            return std::string();
        }
        if (!it->is_string()) return error(fmt::format("\"{}\" must be a string", key));
        return it->get<std::string>();
    }

    Result<std::vector<std::string>> strings(const json& object, const char* key) const {
        std::vector<std::string> out;
        auto it = object.find(key);
        if (it == object.end()) return out;
        if (!it->is_array()) return error(fmt::format("\"{}\" must be a list of strings", key));
        for (const auto& item : *it) {
            if (!item.is_string()) return error(fmt::format("\"{}\" must be a list of strings", key));
            out.push_back(item.get<std::string>());
        }
        return out;
    }

    Status only_keys(const json& object, std::initializer_list<const char*> keys) const {
        std::set<std::string> allowed(keys.begin(), keys.end());
        for (const auto& [key, value] : object.items())
            if (!allowed.count(key)) return error(fmt::format("unknown key \"{}\"", key));
        return Status::Ok();
    }

private:
    std::string_view file_;
    std::string what_;
};

Result<SecretRule> read_rule(const json& item, size_t index, std::string_view file) {
    std::string what = fmt::format("rule #{}", index + 1);
    if (!item.is_object()) return RuleReader(file, what).error("must be an object");
    if (auto id = item.find("id"); id != item.end() && id->is_string()) what = fmt::format("rule {}", id->get<std::string>());
    RuleReader reader(file, what);
    if (auto status = reader.only_keys(item, {"id", "title", "severity", "regex", "secret_group", "case_insensitive",
                                              "keywords", "min_entropy", "paths", "allow_paths"});
        !status)
        return status.error();
    SecretRule rule;
    auto id = reader.string(item, "id", true);
    if (!id) return id.error();
    if (!valid_id(*id)) return reader.error("\"id\" must be 1-128 letters, digits, '-', '_' or '.'");
    rule.id = *id;
    auto title = reader.string(item, "title", true);
    if (!title) return title.error();
    rule.title = *title;
    auto regex = reader.string(item, "regex", true);
    if (!regex) return regex.error();
    if (regex->empty() || regex->size() > kMaxRegexBytes) return reader.error("\"regex\" must be 1-4096 bytes");
    rule.regex = *regex;
    auto severity = reader.string(item, "severity", false);
    if (!severity) return severity.error();
    if (!severity->empty()) {
        auto parsed = parse_severity(*severity);
        if (!parsed) return reader.error(fmt::format("unknown severity \"{}\"", *severity));
        rule.severity = *parsed;
    }
    if (auto it = item.find("secret_group"); it != item.end()) {
        if (!it->is_number_unsigned() || it->get<uint64_t>() > 99) return reader.error("\"secret_group\" must be 0-99");
        rule.secret_group = static_cast<int>(it->get<uint64_t>());
    }
    if (auto it = item.find("case_insensitive"); it != item.end()) {
        if (!it->is_boolean()) return reader.error("\"case_insensitive\" must be true or false");
        rule.case_insensitive = it->get<bool>();
    }
    if (auto it = item.find("min_entropy"); it != item.end()) {
        if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 8)
            return reader.error("\"min_entropy\" must be a number of bits per byte, 0-8");
        rule.min_entropy = it->get<double>();
    }
    auto keywords = reader.strings(item, "keywords");
    if (!keywords) return keywords.error();
    for (auto& keyword : *keywords) {
        for (char& c : keyword) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!keyword.empty()) rule.keywords.push_back(keyword);
    }
    auto paths = reader.string(item, "paths", false);
    if (!paths) return paths.error();
    rule.paths = *paths;
    auto allow_paths = reader.strings(item, "allow_paths");
    if (!allow_paths) return allow_paths.error();
    for (const auto& path : *allow_paths)
        if (path.empty()) return reader.error("empty regex in \"allow_paths\"");
    rule.allow_paths = *allow_paths;
    return rule;
}

Result<SecretAllowRule> read_allow_rule(const json& item, size_t index, std::string_view file) {
    std::string what = fmt::format("allow rule #{}", index + 1);
    if (!item.is_object()) return RuleReader(file, what).error("must be an object");
    if (auto id = item.find("id"); id != item.end() && id->is_string())
        what = fmt::format("allow rule {}", id->get<std::string>());
    RuleReader reader(file, what);
    if (auto status = reader.only_keys(item, {"id", "description", "path", "secret"}); !status) return status.error();
    SecretAllowRule allow;
    auto id = reader.string(item, "id", true);
    if (!id) return id.error();
    if (!valid_id(*id)) return reader.error("\"id\" must be 1-128 letters, digits, '-', '_' or '.'");
    allow.id = *id;
    auto description = reader.string(item, "description", false);
    if (!description) return description.error();
    allow.description = *description;
    auto path = reader.string(item, "path", false);
    if (!path) return path.error();
    allow.path = *path;
    auto secret = reader.string(item, "secret", false);
    if (!secret) return secret.error();
    allow.secret = *secret;
    if (allow.path.empty() && allow.secret.empty()) return reader.error("needs \"path\" or \"secret\"");
    if (allow.path.size() > kMaxRegexBytes || allow.secret.size() > kMaxRegexBytes)
        return reader.error("regex longer than 4096 bytes");
    return allow;
}

}  // namespace

Result<SecretConfig> parse_secret_config(std::string_view text, std::string_view file_name) {
    if (text.size() > kMaxFileBytes) return Error{fmt::format("{}: larger than 4 MiB", file_name)};
    if (json_depth(text) > kMaxDepth) return Error{fmt::format("{}: nested too deeply", file_name)};
    json document;
    try {
        document = json::parse(text.begin(), text.end());
    } catch (const json::exception& error) {
        return Error{fmt::format("{}: not valid JSON: {}", file_name, error.what())};
    }
    if (!document.is_object()) return Error{fmt::format("{}: must be a JSON object", file_name)};
    RuleReader top(file_name, "top level");
    if (auto status = top.only_keys(document, {"rules", "allow_rules", "disable_rules"}); !status)
        return status.error();

    SecretConfig config;
    if (auto it = document.find("rules"); it != document.end()) {
        if (!it->is_array()) return top.error("\"rules\" must be a list");
        if (it->size() > kMaxRules) return top.error("more than 2000 rules");
        std::set<std::string> seen;
        for (size_t i = 0; i < it->size(); ++i) {
            auto rule = read_rule((*it)[i], i, file_name);
            if (!rule) return rule.error();
            if (!seen.insert(rule->id).second)
                return Error{fmt::format("{}: rule {}: id used twice", file_name, rule->id)};
            config.rules.push_back(std::move(*rule));
        }
    }
    if (auto it = document.find("allow_rules"); it != document.end()) {
        if (!it->is_array()) return top.error("\"allow_rules\" must be a list");
        if (it->size() > kMaxRules) return top.error("more than 2000 allow rules");
        for (size_t i = 0; i < it->size(); ++i) {
            auto allow = read_allow_rule((*it)[i], i, file_name);
            if (!allow) return allow.error();
            config.allow_rules.push_back(std::move(*allow));
        }
    }
    auto disabled = top.strings(document, "disable_rules");
    if (!disabled) return disabled.error();
    config.disabled_rules = *disabled;
    return config;
}

Result<SecretConfig> load_secret_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{fmt::format("{}: cannot open the secret rule file", path)};
    std::string text;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<size_t>(in.gcount()));
        if (text.size() > kMaxFileBytes) return Error{fmt::format("{}: larger than 4 MiB", path)};
    }
    return parse_secret_config(text, path);
}

Result<std::shared_ptr<const SecretRuleSet>> build_secret_rule_set(const SecretConfig* user, std::string_view file_name) {
    if (!user) return SecretRuleSet::builtin();
    std::set<std::string> known;
    for (const auto& rule : builtin_secret_rules()) known.insert(rule.id);
    for (const auto& id : user->disabled_rules)
        if (!known.count(id)) return Error{fmt::format("{}: disable_rules: no built-in rule \"{}\"", file_name, id)};
    std::set<std::string> disabled(user->disabled_rules.begin(), user->disabled_rules.end());
    std::set<std::string> replaced;
    for (const auto& rule : user->rules) replaced.insert(rule.id);

    std::vector<SecretRule> rules;
    for (const auto& rule : builtin_secret_rules())
        if (!disabled.count(rule.id) && !replaced.count(rule.id)) rules.push_back(rule);
    // User rules go after the built-ins: where both find the same secret, the built-in id is kept.
    rules.insert(rules.end(), user->rules.begin(), user->rules.end());
    std::vector<SecretAllowRule> allows = builtin_secret_allow_rules();
    allows.insert(allows.end(), user->allow_rules.begin(), user->allow_rules.end());
    auto compiled = SecretRuleSet::compile(std::move(rules), std::move(allows));
    if (!compiled) return Error{fmt::format("{}: {}", file_name, compiled.error().message)};
    return compiled;
}

Result<std::shared_ptr<const SecretRuleSet>> load_secret_rule_set(const std::string& path) {
    if (path.empty()) return SecretRuleSet::builtin();
    auto config = load_secret_config(path);
    if (!config) return config.error();
    return build_secret_rule_set(&*config, path);
}

}  // namespace moat
