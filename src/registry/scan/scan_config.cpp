#include "registry/scan/scan_config.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace moat::registry {

namespace {

constexpr int64_t kDay = 24 * 3600;

std::string clock_time_name(int minutes) { return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60); }

int minute_of_day(int64_t unix_seconds) {
    int64_t seconds = unix_seconds % kDay;
    if (seconds < 0) seconds += kDay;
    return static_cast<int>(seconds / 60);
}

}  // namespace

Result<int64_t> parse_cycle(std::string_view text) {
    if (text == "stop" || text == "none") return int64_t{0};
    if (text.size() < 2) return Error{fmt::format("cycle \"{}\": expected e.g. 3d, 1w, 2w or stop", text)};
    int64_t count = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size() - 1, count);
    if (error != std::errc() || end != text.data() + text.size() - 1 || count <= 0 || count > 3650)
        return Error{fmt::format("cycle \"{}\": expected e.g. 3d, 1w, 2w or stop", text)};
    switch (text.back()) {
        case 'h': return count * 3600;
        case 'd': return count * kDay;
        case 'w': return count * 7 * kDay;
        default: return Error{fmt::format("cycle \"{}\": the unit must be h, d or w", text)};
    }
}

std::string cycle_name(int64_t seconds) {
    if (seconds <= 0) return "stop";
    if (seconds % (7 * kDay) == 0) return fmt::format("{}w", seconds / (7 * kDay));
    if (seconds % kDay == 0) return fmt::format("{}d", seconds / kDay);
    return fmt::format("{}h", seconds / 3600);
}

Result<int> parse_clock_time(std::string_view text) {
    if (text.size() != 5 || text[2] != ':') return Error{fmt::format("time \"{}\": expected HH:MM", text)};
    int hours = 0, minutes = 0;
    auto h = std::from_chars(text.data(), text.data() + 2, hours);
    auto m = std::from_chars(text.data() + 3, text.data() + 5, minutes);
    if (h.ec != std::errc() || m.ec != std::errc() || h.ptr != text.data() + 2 || m.ptr != text.data() + 5 ||
        hours > 23 || minutes > 59 || hours < 0 || minutes < 0)
        return Error{fmt::format("time \"{}\": expected HH:MM (00:00-23:59)", text)};
    return hours * 60 + minutes;
}

Result<ScanConfig> parse_scan_config_json(std::string_view json, const ScanConfig& current) {
    nlohmann::json document = nlohmann::json::parse(json, nullptr, false);
    if (document.is_discarded() || !document.is_object()) return Error{"scan-config: expected a JSON object"};
    ScanConfig config = current;  // fields left out keep their value (a PUT of one field is common)
    for (const auto& [key, value] : document.items()) {
        if (key == "on_push") {
            if (!value.is_boolean()) return Error{"scan-config: \"on_push\" must be true or false"};
            config.on_push = value.get<bool>();
        } else if (key == "cycle") {
            if (!value.is_string()) return Error{"scan-config: \"cycle\" must be a string such as \"3d\""};
            auto cycle = parse_cycle(value.get<std::string>());
            if (!cycle) return Error{"scan-config: " + cycle.error().message};
            config.cycle_seconds = *cycle;
        } else if (key == "window") {
            if (value.is_null()) {
                config.window.reset();
                continue;
            }
            if (!value.is_object() || !value.contains("start") || !value.contains("end") ||
                !value["start"].is_string() || !value["end"].is_string())
                return Error{"scan-config: \"window\" must be {\"start\": \"HH:MM\", \"end\": \"HH:MM\"} or null"};
            auto start = parse_clock_time(value["start"].get<std::string>());
            auto end = parse_clock_time(value["end"].get<std::string>());
            if (!start) return Error{"scan-config: window start: " + start.error().message};
            if (!end) return Error{"scan-config: window end: " + end.error().message};
            if (*start == *end) return Error{"scan-config: window start and end are the same time"};
            config.window = DailyWindow{*start, *end};
        } else if (key == "scope") {
            if (!value.is_array()) return Error{"scan-config: \"scope\" must be an array of names"};
            config.scope.clear();
            for (const auto& item : value) {
                if (!item.is_string() || item.get<std::string>().empty())
                    return Error{"scan-config: \"scope\" entries must be namespace or repository names"};
                if (item.get<std::string>() == "all") continue;
                config.scope.push_back(item.get<std::string>());
            }
        } else if (key == "quota") {
            if (!value.is_object()) return Error{"scan-config: \"quota\" must be {\"total\": N}"};
            for (const auto& [field, number] : value.items()) {
                if (!number.is_number_integer() || number.get<int64_t>() < 0)
                    return Error{fmt::format("scan-config: quota \"{}\" must be a non-negative integer", field)};
                if (field == "total") config.quota.total = number.get<int64_t>();
                else if (field == "used") config.quota.used = number.get<int64_t>();  // an admin may reset it
                else return Error{fmt::format("scan-config: quota: unexpected field \"{}\"", field)};
            }
        } else {
            return Error{fmt::format("scan-config: unexpected field \"{}\"", key)};
        }
    }
    return config;
}

std::string scan_config_to_json(const ScanConfig& config) {
    nlohmann::json document = {
        {"on_push", config.on_push},
        {"cycle", cycle_name(config.cycle_seconds)},
        {"scope", config.scope},
        {"quota", {{"total", config.quota.total}, {"used", config.quota.used}}},
    };
    if (config.window)
        document["window"] = {{"start", clock_time_name(config.window->start_minute)},
                              {"end", clock_time_name(config.window->end_minute)}};
    else
        document["window"] = nullptr;
    return document.dump();
}

bool in_window(const ScanConfig& config, int64_t now) {
    if (!config.window) return true;
    int minute = minute_of_day(now);
    const auto& window = *config.window;
    if (window.start_minute < window.end_minute) return minute >= window.start_minute && minute < window.end_minute;
    return minute >= window.start_minute || minute < window.end_minute;  // wraps midnight
}

int64_t next_window_opening(const ScanConfig& config, int64_t at) {
    if (in_window(config, at)) return at;
    int64_t day_start = at - (at % kDay + kDay) % kDay;
    int64_t opening = day_start + int64_t{config.window->start_minute} * 60;
    return opening > at ? opening : opening + kDay;
}

std::optional<int64_t> next_cycle_start(const ScanConfig& config, std::optional<int64_t> last_cycle_start,
                                        int64_t now) {
    if (config.cycle_seconds <= 0) return std::nullopt;
    int64_t due = last_cycle_start ? *last_cycle_start + config.cycle_seconds : now;
    return next_window_opening(config, due);
}

bool in_scope(const ScanConfig& config, std::string_view repository) {
    if (config.scope.empty()) return true;
    for (const auto& entry : config.scope) {
        if (repository == entry) return true;
        if (repository.size() > entry.size() && repository.starts_with(entry) && repository[entry.size()] == '/')
            return true;
    }
    return false;
}

Status consume_quota(ScanQuota& quota) {
    if (quota.total > 0 && quota.used >= quota.total)
        return Error{fmt::format("scan quota exhausted: {} of {} scans used; raise quota.total in "
                                 "/api/v1/scan-config to scan more",
                                 quota.used, quota.total)};
    ++quota.used;
    return Status::Ok();
}

}  // namespace moat::registry
