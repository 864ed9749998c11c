#include "cli/scan_command.h"

#include <cstdlib>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "image/image.h"
#include "report/sbom_report.h"
#include "report/scan_report.h"
#include "scanner/inventory_scanner.h"
#include "scanner/risk_scan.h"
#include "vulndb/bundled_sample.h"
#include "vulndb/matcher.h"
#include "vulndb/updater.h"

namespace moat {
namespace {

constexpr int kExitInputError = 1;

// Image content (file names, package metadata) may not be UTF-8: such bytes print as U+FFFD
// instead of failing the whole report.
std::string json_text(const nlohmann::json& document) {
    return document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void fail(const std::string& message) { std::fprintf(stderr, "moat: %s\n", message.c_str()); }

// Writes to FILE through a temp file and a rename, so a failure never leaves half a report;
// empty or "-" means stdout.
Status write_output(const std::string& path, const std::string& text) {
    if (path.empty() || path == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return Status::Ok();
    }
    std::string temp = path + ".moat-tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) return Error{fmt::format("--output {}: cannot write", path)};
    }
    std::error_code error;
    std::filesystem::rename(temp, path, error);
    if (error) {
        std::filesystem::remove(temp, error);
        return Error{fmt::format("--output {}: cannot write: {}", path, error.message())};
    }
    return Status::Ok();
}

}  // namespace

Result<ImageInventory> inventory_image(const ImageOptions& options, RiskScan* risks) {
    OpenOptions open_options;
    open_options.insecure = options.insecure;
    open_options.username = options.username;
    open_options.password = options.password;
    if (open_options.password.empty())
        if (const char* password = std::getenv("MOAT_REGISTRY_PASSWORD")) open_options.password = password;
    if (!options.platform.empty()) {
        auto platform = Platform::parse(options.platform);
        if (!platform) return platform.error();
        open_options.platform = *platform;
    }
    auto source = open_image(options.image, open_options);
    if (!source) return source.error();
    InventoryScanner scanner(default_package_analyzers());
    if (risks) risks->attach(scanner);
    bool show_progress = !options.quiet && ::isatty(STDERR_FILENO);
    if (show_progress)
        scanner.on_layer([](const LayerProgress& progress) {
            std::fprintf(stderr, "\rreading layer %zu/%zu %.19s", progress.index + 1, progress.count,
                         progress.digest.c_str());
            std::fflush(stderr);
        });
    auto inventory = scanner.scan(**source);
    if (show_progress) std::fprintf(stderr, "\r\033[K");
    if (!inventory) return inventory;
    std::stable_sort(inventory->packages.begin(), inventory->packages.end(),
                     [](const Package& a, const Package& b) {
                         return std::tie(a.type, a.name, a.version, a.arch) <
                                std::tie(b.type, b.name, b.version, b.arch);
                     });
    if (!options.quiet)
        for (const auto& warning : inventory->warnings)
            std::fprintf(stderr, "moat: warning: %s\n", warning.c_str());
    return inventory;
}

namespace {

// Seconds since an RFC 3339 UTC timestamp ("2026-11-20T00:00:00Z"), or nullopt if unreadable.
std::optional<double> age_seconds(const std::string& timestamp) {
    std::tm parts{};
    if (!::strptime(timestamp.c_str(), "%Y-%m-%dT%H:%M:%S", &parts)) return std::nullopt;
    return std::difftime(std::time(nullptr), ::timegm(&parts));
}

}  // namespace

// Like Trivy: a missing or day-old database is refreshed first unless told not to; without a
// route to the source, say so in one line and go on with what there is — at worst the sample
// of real advisories built into the binary.
Result<std::unique_ptr<VulnDatabase>> prepare_database(const ScanOptions& options) {
    std::filesystem::path path = options.db.empty() ? default_db_path() : std::filesystem::path(options.db);
    bool exists = std::filesystem::exists(path);
    bool stale = !exists;
    if (exists) {
        auto db = VulnDatabase::open(path);
        if (!db) return db.error();
        auto age = age_seconds((*db)->status().updated_at);
        stale = !age || *age > 24 * 3600;
    }
    auto say = [&](const std::string& line) {
        if (!options.image.quiet) std::fprintf(stderr, "moat: %s\n", line.c_str());
    };
    if (stale && !options.skip_db_update && !options.offline) {
        UpdateOptions update;
        update.db_path = path;
        update.progress = !options.image.quiet;
        update.retries = 0;
        update.connect_timeout_seconds = 10;
        auto updated = update_database(update);
        if (updated) {
            exists = true;
        } else {
            say(fmt::format("cannot update the vulnerability database ({}); {}", updated.error().message,
                            exists ? "using the one from before" : "using the bundled sample"));
        }
    }
    if (!exists) {
        auto sample = extract_bundled_sample();
        if (!sample) return sample.error();
        UpdateOptions update;
        update.source = sample->string();
        update.db_path = path;
        update.progress = false;
        auto imported = update_database(update);
        if (!imported) return imported.error();
        say(fmt::format("using the bundled sample of {} real advisories (no route to the full data); "
                        "run `moat db update` for complete results",
                        imported->advisories));
    }
    return VulnDatabase::open(path);
}

int run_sbom(const ImageOptions& options) {
    auto inventory = inventory_image(options);
    if (!inventory) {
        fail(inventory.error().message);
        return kExitInputError;
    }
    std::string text = options.format == "json" ? json_text(sbom_json(*inventory)) : sbom_table(*inventory);
    if (Status written = write_output(options.output, text); !written.ok()) {
        fail(written.message());
        return kExitInputError;
    }
    return 0;
}

int run_scan(const ScanOptions& options) {
    auto severities = parse_severity_filter(options.severity);
    if (!severities) {
        fail(severities.error().message);
        return 2;
    }
    std::vector<IgnoreRule> ignores;
    if (!options.ignorefile.empty()) {
        auto read = read_ignorefile(options.ignorefile);
        if (!read) {
            fail(read.error().message);
            return kExitInputError;
        }
        ignores = std::move(*read);
    }
    auto selection = parse_scanners(options.scanners);
    if (!selection) {
        fail(selection.error().message);
        return 2;
    }
    RiskScanOptions risk_options{*selection, {}, options.secret_config};
    if (!options.malware_rules.empty()) risk_options.malware.rules_dir = options.malware_rules;
    if (!options.malware_hashes.empty()) risk_options.malware.hashes_file = options.malware_hashes;
    auto risks = RiskScan::create(risk_options);
    if (!risks) {
        fail(risks.error().message);
        return kExitInputError;
    }
    auto inventory = inventory_image(options.image, risks->get());
    if (!inventory) {
        fail(inventory.error().message);
        return kExitInputError;
    }
    ScanResult result;
    if (selection->vuln) {
        auto db = prepare_database(options);
        if (!db) {
            fail(db.error().message);
            return kExitInputError;
        }
        result.db = (*db)->status();
        result.vulnerabilities = filter_findings(Matcher(**db).match(inventory->packages, inventory->os), *severities,
                                                 ignores, options.ignore_unfixed, today_utc());
    }
    result.risks = filter_risks((*risks)->findings(*inventory), *severities, ignores, today_utc());
    result.inventory = std::move(*inventory);

    bool color = options.image.output.empty() && ::isatty(STDOUT_FILENO);
    std::string text = options.image.format == "json" ? json_text(scan_json(result)) : scan_table(result, color);
    if (Status written = write_output(options.image.output, text); !written.ok()) {
        fail(written.message());
        return kExitInputError;
    }
    if (options.exit_code && (!result.vulnerabilities.empty() || !result.risks.empty())) return *options.exit_code;
    return 0;
}

}  // namespace moat
