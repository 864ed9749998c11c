#include "vulndb/db_commands.h"

#include <ctime>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "vulndb/updater.h"
#include "vulndb/vulndb.h"

namespace moat {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitInputError = 1;
constexpr int kExitUsage = 2;
constexpr long long kStaleAfterSeconds = 7LL * 24 * 3600;

void print(std::FILE* stream, const std::string& text) { std::fwrite(text.data(), 1, text.size(), stream); }

std::optional<std::time_t> parse_rfc3339(const std::string& text) {
    std::tm parts{};
    const char* end = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
    if (!end) return std::nullopt;
    return ::timegm(&parts);
}

std::string describe_age(long long seconds) {
    if (seconds < 0) return "in the future";
    if (seconds < 120) return "just now";
    if (seconds < 7200) return fmt::format("{} minutes ago", seconds / 60);
    if (seconds < 2 * 86400) return fmt::format("{} hours ago", seconds / 3600);
    return fmt::format("{} days ago", seconds / 86400);
}

std::string mib(uint64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20)); }

}  // namespace

int run_db_update(const DbUpdateArgs& args, std::FILE* out, std::FILE* err) {
    UpdateOptions options;
    options.source = args.source;
    options.db_path = args.db;
    options.severity_source = args.severity_source;
    options.progress = !args.quiet;
    auto updated = update_database(options);
    if (!updated) {
        print(err, fmt::format("moat: {}\n", updated.error().message));
        return kExitInputError;
    }
    const UpdateStats& stats = *updated;
    if (!args.quiet)
        for (const auto& note : stats.notes) print(err, fmt::format("moat: note: {}\n", note));
    if (args.quiet) return kExitOk;

    if (stats.unchanged) {
        print(out, fmt::format("{}: up to date ({} sources not modified), {} advisories\n",
                               stats.db_path.string(), stats.sources.size(), stats.advisories));
        return kExitOk;
    }
    std::string text = fmt::format("{:<34} {:>8} {:>8} {:>8} {:>8}  {}\n", "SOURCE", "RECORDS", "SKIPPED",
                                   "UNKNOWN", "SECONDS", "STATUS");
    for (const auto& source : stats.sources) {
        uint64_t unknown = source.counts.unknown_fields + source.counts.invalid_fields +
                           source.counts.unknown_ecosystems;
        text += fmt::format("{:<34} {:>8} {:>8} {:>8} {:>8.2f}  {}\n", source.name, source.records,
                            source.counts.skipped_records, unknown, source.seconds,
                            source.changed ? "imported" : "not modified, kept");
    }
    if (!stats.counts.unknown_ecosystem_names.empty()) {
        text += "skipped affected entries of unknown ecosystems:";
        for (const auto& [name, count] : stats.counts.unknown_ecosystem_names)
            text += fmt::format(" {} ({})", name, count);
        text += "\n";
    }
    text += fmt::format("{}: {} advisories ({} rated from {} CVE records), {}, in {:.1f} s\n",
                        stats.db_path.string(), stats.advisories, stats.cve_rated, stats.cve_records,
                        mib(stats.db_bytes), stats.seconds);
    print(out, text);
    return kExitOk;
}

int run_db_status(const DbStatusArgs& args, std::FILE* out, std::FILE* err) {
    if (args.format != "table" && args.format != "json") {
        print(err, fmt::format("moat: --format {}: expected table or json\n", args.format));
        return kExitUsage;
    }
    std::filesystem::path path = args.db.empty() ? default_db_path() : std::filesystem::path(args.db);
    auto db = VulnDatabase::open(path);
    if (!db) {
        print(err, fmt::format("moat: {}\n", db.error().message));
        return kExitInputError;
    }
    DbStatus status = (*db)->status();
    auto updated = parse_rfc3339(status.updated_at);
    long long age = updated ? static_cast<long long>(std::time(nullptr) - *updated) : -1;
    bool stale = !updated || age > kStaleAfterSeconds;

    if (args.format == "json") {
        nlohmann::ordered_json document;
        document["path"] = path.string();
        document["schema"] = status.schema_version;
        document["updated_at"] = status.updated_at;
        document["age_seconds"] = updated ? nlohmann::ordered_json(age) : nlohmann::ordered_json(nullptr);
        document["stale"] = stale;
        document["advisories"] = status.advisories;
        auto& ecosystems = document["ecosystems"] = nlohmann::ordered_json::array();
        for (const auto& count : status.ecosystems)
            ecosystems.push_back({{"ecosystem", count.ecosystem}, {"advisories", count.advisories}});
        auto& sources = document["sources"] = nlohmann::ordered_json::array();
        for (const auto& source : status.source_details)
            sources.push_back({{"name", source.name},
                               {"kind", source.kind},
                               {"location", source.location},
                               {"etag", source.etag},
                               {"last_modified", source.last_modified},
                               {"fetched_at", source.fetched_at},
                               {"records", source.records},
                               {"skipped", source.skipped},
                               {"unknown_fields", source.unknown_fields}});
        print(out, document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
    } else {
        std::string text;
        text += fmt::format("Database:    {}\n", path.string());
        text += fmt::format("Schema:      {}\n", status.schema_version);
        text += fmt::format("Updated:     {} ({})\n", status.updated_at,
                            updated ? describe_age(age) : "unknown age");
        text += fmt::format("Advisories:  {}\n\n", status.advisories);
        text += fmt::format("{:<34} {:>8}  {:<20}  {}\n", "SOURCE", "RECORDS", "FETCHED", "LOCATION");
        for (const auto& source : status.source_details)
            text += fmt::format("{:<34} {:>8}  {:<20}  {}\n", source.name, source.records,
                                source.fetched_at, source.location);
        text += fmt::format("\n{:<34} {:>10}\n", "ECOSYSTEM", "ADVISORIES");
        for (const auto& count : status.ecosystems)
            text += fmt::format("{:<34} {:>10}\n", count.ecosystem, count.advisories);
        print(out, text);
    }
    if (stale)
        print(err, fmt::format("moat: warning: the vulnerability database is {} (updated {}); run "
                               "`moat db update`\n",
                               updated ? fmt::format("{} days old", age / 86400) : "of unknown age",
                               status.updated_at.empty() ? "never" : status.updated_at));
    return kExitOk;
}

}  // namespace moat
