// The registry's scan configuration (seeds: scan cycle, scope, time window, scan on push, quota)
// and the pure decisions taken from it: is a scheduled cycle due now, is a repository in scope,
// may one more scan run under the quota. Time comes in as an argument (Unix seconds, UTC) so
// tests drive it with a fake clock. The JSON form is the contract of /api/v1/scan-config.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace moat::registry {

struct DailyWindow {
    int start_minute = 0;  // minutes after 00:00 UTC
    int end_minute = 0;    // may be before start: the window wraps midnight (22:00-04:00)
};

struct ScanQuota {
    int64_t total = 0;  // 0 = unlimited
    int64_t used = 0;
};

struct ScanConfig {
    bool on_push = true;
    int64_t cycle_seconds = 0;  // 0 = "stop": no scheduled rescans
    std::optional<DailyWindow> window;  // scheduled work only runs inside it; none = any time
    std::vector<std::string> scope;     // namespaces or repositories; empty = all
    ScanQuota quota;
};

Result<ScanConfig> parse_scan_config_json(std::string_view json, const ScanConfig& current);
std::string scan_config_to_json(const ScanConfig& config);

// "3d", "1w", "2w", "12h", "stop" -> seconds (0 for stop).
Result<int64_t> parse_cycle(std::string_view text);
std::string cycle_name(int64_t seconds);
// "02:00" -> 120.
Result<int> parse_clock_time(std::string_view text);

bool in_window(const ScanConfig& config, int64_t now);
// The first moment at or after `at` inside the window (`at` itself when there is no window).
int64_t next_window_opening(const ScanConfig& config, int64_t at);
// When the next scheduled cycle starts, given when the last one started (nullopt: never ran;
// the first cycle is due at once, inside the window). nullopt when cycles are stopped.
std::optional<int64_t> next_cycle_start(const ScanConfig& config, std::optional<int64_t> last_cycle_start,
                                        int64_t now);
bool in_scope(const ScanConfig& config, std::string_view repository);

// Takes one scan from the quota; an error (naming the quota) when none is left.
Status consume_quota(ScanQuota& quota);

}  // namespace moat::registry
