#include "policy/namespace_policy.h"

#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace moat::policy {

namespace {

bool is_iso_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (text[i] < '0' || text[i] > '9') return false;
    int month = (text[5] - '0') * 10 + (text[6] - '0');
    int day = (text[8] - '0') * 10 + (text[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

Result<AllowlistEntry> parse_allowlist_entry(const nlohmann::json& item, size_t index) {
    std::string where = fmt::format("allowlist[{}]", index);
    AllowlistEntry entry;
    if (item.is_string()) {
        entry.id = item.get<std::string>();
    } else if (item.is_object()) {
        for (const auto& [key, value] : item.items()) {
            if (key == "id" && value.is_string()) {
                entry.id = value.get<std::string>();
            } else if (key == "expires" && (value.is_string() || value.is_null())) {
                entry.expires = value.is_null() ? "" : value.get<std::string>();
            } else {
                return Error{fmt::format("{}: unexpected field \"{}\" (expected \"id\" and \"expires\")", where, key)};
            }
        }
    } else {
        return Error{where + ": expected an object {\"id\": …, \"expires\": \"YYYY-MM-DD\"} or an id string"};
    }
    if (entry.id.empty() || entry.id.size() > 128) return Error{where + ": \"id\" must be a non-empty id"};
    if (!entry.expires.empty() && !is_iso_date(entry.expires))
        return Error{fmt::format("{}: \"expires\" must be a date YYYY-MM-DD, got \"{}\"", where, entry.expires)};
    return entry;
}

}  // namespace

Result<NamespacePolicy> parse_policy_json(std::string_view json) {
    nlohmann::json document = nlohmann::json::parse(json, nullptr, false);
    if (document.is_discarded() || !document.is_object()) return Error{"policy: expected a JSON object"};
    NamespacePolicy policy;
    for (const auto& [key, value] : document.items()) {
        if (key == "block_enabled") {
            if (!value.is_boolean()) return Error{"policy: \"block_enabled\" must be true or false"};
            policy.block_enabled = value.get<bool>();
        } else if (key == "block_severity") {
            auto severity = value.is_string() ? parse_severity(value.get<std::string>()) : std::nullopt;
            if (!severity || *severity == Severity::Unknown)
                return Error{"policy: \"block_severity\" must be one of CRITICAL, HIGH, MEDIUM, LOW"};
            policy.block_severity = *severity;
        } else if (key == "allowlist") {
            if (!value.is_array()) return Error{"policy: \"allowlist\" must be an array"};
            if (value.size() > 10000) return Error{"policy: \"allowlist\" has more than 10000 entries"};
            for (size_t i = 0; i < value.size(); ++i) {
                auto entry = parse_allowlist_entry(value[i], i);
                if (!entry) return Error{"policy: " + entry.error().message};
                policy.allowlist.push_back(std::move(*entry));
            }
        } else if (key == "block_malware") {
            if (!value.is_boolean()) return Error{"policy: \"block_malware\" must be true or false"};
            policy.block_malware = value.get<bool>();
        } else if (key == "unscanned") {
            std::string rule = value.is_string() ? value.get<std::string>() : "";
            if (rule == "block") policy.unscanned = UnscannedRule::block;
            else if (rule == "allow") policy.unscanned = UnscannedRule::allow;
            else return Error{"policy: \"unscanned\" must be \"block\" or \"allow\""};
        } else {
            return Error{fmt::format("policy: unexpected field \"{}\"", key)};
        }
    }
    return policy;
}

std::string policy_to_json(const NamespacePolicy& policy) {
    nlohmann::json allowlist = nlohmann::json::array();
    for (const auto& entry : policy.allowlist) {
        nlohmann::json item = {{"id", entry.id}};
        item["expires"] = entry.expires.empty() ? nlohmann::json(nullptr) : nlohmann::json(entry.expires);
        allowlist.push_back(std::move(item));
    }
    nlohmann::json document = {
        {"block_enabled", policy.block_enabled},
        {"block_severity", std::string(severity_name(policy.block_severity))},
        {"allowlist", std::move(allowlist)},
        {"unscanned", policy.unscanned == UnscannedRule::block ? "block" : "allow"},
        {"block_malware", policy.block_malware},
    };
    return document.dump();
}

bool allowlist_entry_active(const AllowlistEntry& entry, std::string_view today) {
    // ISO dates compare as strings; the expiry day itself is still covered.
    return entry.expires.empty() || today <= std::string_view(entry.expires);
}

std::string utc_date(long long unix_seconds) {
    std::time_t seconds = static_cast<std::time_t>(unix_seconds);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    return fmt::format("{:04}-{:02}-{:02}", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday);
}

}  // namespace moat::policy
