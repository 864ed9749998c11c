#include "vulndb/osv_import.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>

namespace moat {

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING, "zip bodies must carry simdjson's padding");

// --- CVSS -----------------------------------------------------------------------------------

namespace {

// CVSS v3.1 specification, section 7.4 (Roundup), written to avoid floating-point surprises.
double roundup_v31(double value) {
    long long scaled = std::llround(value * 100000.0);
    if (scaled % 10000 == 0) return static_cast<double>(scaled) / 100000.0;
    return (std::floor(static_cast<double>(scaled) / 10000.0) + 1.0) / 10.0;
}

// CVSS v3.0 specification: the smallest number, to one decimal place, at least the input.
double roundup_v30(double value) { return std::ceil(value * 10.0) / 10.0; }

}  // namespace

std::optional<double> cvss3_base_score(std::string_view vector) {
    bool v31;
    if (vector.starts_with("CVSS:3.1/"))
        v31 = true;
    else if (vector.starts_with("CVSS:3.0/"))
        v31 = false;
    else
        return std::nullopt;
    vector.remove_prefix(9);

    // Base metric values, or 0 while unseen.
    char av = 0, ac = 0, pr = 0, ui = 0, scope = 0, c = 0, i = 0, a = 0;
    constexpr std::array<std::string_view, 14> kOtherMetrics = {
        "E", "RL", "RC", "CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"};
    while (!vector.empty()) {
        size_t slash = vector.find('/');
        std::string_view part = vector.substr(0, slash);
        if (slash != std::string_view::npos && slash + 1 == vector.size()) return std::nullopt;  // "…/"
        vector = slash == std::string_view::npos ? std::string_view{} : vector.substr(slash + 1);
        size_t colon = part.find(':');
        if (colon == std::string_view::npos || colon + 2 != part.size()) {
            // Temporal/environmental metrics have one-letter values too; anything else is bad.
            return std::nullopt;
        }
        std::string_view metric = part.substr(0, colon);
        char value = part[colon + 1];
        auto set = [&](char& slot, std::string_view allowed) {
            if (slot != 0 || allowed.find(value) == std::string_view::npos) return false;
            slot = value;
            return true;
        };
        bool ok;
        if (metric == "AV")
            ok = set(av, "NALP");
        else if (metric == "AC")
            ok = set(ac, "LH");
        else if (metric == "PR")
            ok = set(pr, "NLH");
        else if (metric == "UI")
            ok = set(ui, "NR");
        else if (metric == "S")
            ok = set(scope, "UC");
        else if (metric == "C")
            ok = set(c, "HLN");
        else if (metric == "I")
            ok = set(i, "HLN");
        else if (metric == "A")
            ok = set(a, "HLN");
        else
            ok = std::find(kOtherMetrics.begin(), kOtherMetrics.end(), metric) != kOtherMetrics.end();
        if (!ok) return std::nullopt;
    }
    if (!av || !ac || !pr || !ui || !scope || !c || !i || !a) return std::nullopt;

    const bool changed = scope == 'C';
    auto cia = [](char level) { return level == 'H' ? 0.56 : level == 'L' ? 0.22 : 0.0; };
    double attack_vector = av == 'N' ? 0.85 : av == 'A' ? 0.62 : av == 'L' ? 0.55 : 0.2;
    double attack_complexity = ac == 'L' ? 0.77 : 0.44;
    double privileges = pr == 'N' ? 0.85 : pr == 'L' ? (changed ? 0.68 : 0.62) : (changed ? 0.5 : 0.27);
    double interaction = ui == 'N' ? 0.85 : 0.62;

    double iss = 1.0 - (1.0 - cia(c)) * (1.0 - cia(i)) * (1.0 - cia(a));
    double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
    double exploitability = 8.22 * attack_vector * attack_complexity * privileges * interaction;
    if (impact <= 0) return 0.0;
    double raw = changed ? std::min(1.08 * (impact + exploitability), 10.0)
                         : std::min(impact + exploitability, 10.0);
    return v31 ? roundup_v31(raw) : roundup_v30(raw);
}

Severity severity_from_cvss_score(double score) {
    if (score >= 9.0) return Severity::Critical;
    if (score >= 7.0) return Severity::High;
    if (score >= 4.0) return Severity::Medium;
    return Severity::Low;
}

std::optional<std::string_view> cve_id_in(std::string_view text) {
    size_t at = text.rfind("CVE-");
    if (at == std::string_view::npos) return std::nullopt;
    if (at != 0 && text[at - 1] != '-') return std::nullopt;  // "UBUNTU-CVE-…", not "XCVE-…"
    std::string_view id = text.substr(at);
    // CVE-YYYY-NNNN with at least four digits in the sequence number.
    if (id.size() < 13 || id[8] != '-') return std::nullopt;
    for (size_t k = 4; k < id.size(); ++k)
        if (k != 8 && !std::isdigit(static_cast<unsigned char>(id[k]))) return std::nullopt;
    if (id.size() - 9 < 4 || id.size() - 9 > 19) return std::nullopt;
    return id;
}

// --- zip ------------------------------------------------------------------------------------

Status for_each_zip_entry(const std::filesystem::path& zip_path, const ZipEntryVisitor& visit,
                          ZipLimits limits, std::string_view label) {
    const std::string zip = label.empty() ? zip_path.string() : std::string(label);
    std::unique_ptr<archive, int (*)(archive*)> reader(archive_read_new(), archive_read_free);
    if (!reader) return Error{fmt::format("{}: out of memory", zip)};
    archive_read_support_format_zip(reader.get());
    if (archive_read_open_filename(reader.get(), zip_path.c_str(), 1 << 16) != ARCHIVE_OK)
        return Error{fmt::format("{}: not a readable zip file: {}", zip,
                                 archive_error_string(reader.get()))};
    std::string body;
    uint64_t total = 0;
    for (;;) {
        archive_entry* entry = nullptr;
        int status = archive_read_next_header(reader.get(), &entry);
        if (status == ARCHIVE_EOF) break;
        if (status != ARCHIVE_OK)
            return Error{fmt::format("{}: corrupt zip file: {}", zip,
                                     archive_error_string(reader.get()))};
        const char* raw_name = archive_entry_pathname(entry);
        std::string name = raw_name ? raw_name : "";
        if (archive_entry_filetype(entry) != AE_IFREG) continue;
        if (archive_entry_size_is_set(entry) &&
            static_cast<uint64_t>(archive_entry_size(entry)) > limits.max_entry_bytes)
            return Error{fmt::format("{}: entry {} is {} bytes, over the limit of {}", zip,
                                     name, archive_entry_size(entry), limits.max_entry_bytes)};
        size_t used = 0;
        body.resize(archive_entry_size_is_set(entry)
                        ? static_cast<size_t>(archive_entry_size(entry)) + kJsonPadding
                        : 1 << 16);
        for (;;) {
            if (body.size() - used < kJsonPadding + 4096) {
                if (body.size() > limits.max_entry_bytes + kJsonPadding)
                    return Error{fmt::format("{}: entry {} expands beyond the limit of {} bytes",
                                             zip, name, limits.max_entry_bytes)};
                body.resize(body.size() * 2);
            }
            la_ssize_t got =
                archive_read_data(reader.get(), body.data() + used, body.size() - used - kJsonPadding);
            if (got < 0)  // includes ARCHIVE_WARN, which is how a bad CRC is reported
                return Error{fmt::format("{}: corrupt zip entry {}: {}", zip, name,
                                         archive_error_string(reader.get())
                                             ? archive_error_string(reader.get())
                                             : "read error")};
            if (got == 0) break;
            used += static_cast<size_t>(got);
            total += static_cast<uint64_t>(got);
            if (used > limits.max_entry_bytes)
                return Error{fmt::format("{}: entry {} expands beyond the limit of {} bytes",
                                         zip, name, limits.max_entry_bytes)};
            if (total > limits.max_total_bytes)
                return Error{fmt::format("{}: expands beyond the limit of {} bytes", zip,
                                         limits.max_total_bytes)};
        }
        std::memset(body.data() + used, 0, kJsonPadding);
        if (Status visited = visit(name, std::string_view(body.data(), used)); !visited)
            return visited;
    }
    return Status::Ok();
}

// --- OSV records ----------------------------------------------------------------------------

std::string osv_package_key(std::string_view ecosystem, std::string_view name) {
    std::string_view base = ecosystem.substr(0, ecosystem.find(':'));
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    std::string key;
    key.reserve(name.size());
    if (base == "PyPI") {
        for (char c : name) {
            if (c == '-' || c == '_' || c == '.') {
                if (key.empty() || key.back() != '-') key.push_back('-');
            } else {
                key.push_back(lower(c));
            }
        }
        return key;
    }
    if (base == "NuGet" || base == "Packagist") {
        for (char c : name) key.push_back(lower(c));
        return key;
    }
    return std::string(name);
}

void OsvImportCounts::add(const OsvImportCounts& other) {
    records += other.records;
    skipped_records += other.skipped_records;
    withdrawn += other.withdrawn;
    unknown_fields += other.unknown_fields;
    invalid_fields += other.invalid_fields;
    unknown_ecosystems += other.unknown_ecosystems;
    for (const auto& [name, count] : other.unknown_field_names) unknown_field_names[name] += count;
    for (const auto& [name, count] : other.unknown_ecosystem_names)
        unknown_ecosystem_names[name] += count;
}

bool is_known_osv_ecosystem(std::string_view ecosystem) {
    // The ecosystems of the OSV schema (ossf/osv-schema, ecosystems list); a release suffix
    // ("Debian:12", "Ubuntu:22.04:LTS", "Packagist:<repository URL>") does not matter here.
    static constexpr std::array<std::string_view, 42> kKnown = {
        "AlmaLinux",  "Alpaquita", "Alpine",       "Android",        "Azure Linux", "BellSoft Hardened Containers",
        "Bioconductor", "Bitnami", "Chainguard",   "CRAN",           "crates.io",   "Debian",
        "Echo",       "GHC",       "GIT",          "GitHub Actions", "Go",          "Hackage",
        "Hex",        "Julia",     "Kubernetes",   "Linux",          "Mageia",      "Maven",
        "MinimOS",    "npm",       "NuGet",        "openEuler",      "openSUSE",    "OSS-Fuzz",
        "Packagist",  "Photon OS", "Pub",          "PyPI",           "Red Hat",     "Rocky Linux",
        "RubyGems",   "SUSE",      "SwiftURL",     "Ubuntu",         "VSCode",      "Wolfi"};
    std::string_view base = ecosystem.substr(0, ecosystem.find(':'));
    return std::find(kKnown.begin(), kKnown.end(), base) != kKnown.end();
}

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr size_t kMaxCountedNames = 200;  // distinct unknown names remembered; hostile input
constexpr size_t kSummaryLimit = 240;      // bytes of `details` used when there is no summary

std::optional<Severity> ubuntu_priority(std::string_view text) {
    if (text == "negligible" || text == "low") return Severity::Low;
    if (text == "medium") return Severity::Medium;
    if (text == "high") return Severity::High;
    if (text == "critical") return Severity::Critical;
    return std::nullopt;  // "untriaged" and anything else
}

// The first line of `details`, cut at a UTF-8 character boundary.
std::string summary_from_details(std::string_view details) {
    size_t start = details.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return {};
    details.remove_prefix(start);
    details = details.substr(0, details.find('\n'));
    if (details.size() <= kSummaryLimit) return std::string(details);
    size_t cut = kSummaryLimit;
    while (cut > 0 && (static_cast<unsigned char>(details[cut]) & 0xC0) == 0x80) --cut;
    return std::string(details.substr(0, cut)) + "…";
}

std::string severity_source_for_id(std::string_view id) {
    if (id.starts_with("GHSA-")) return "ghsa";
    if (id.starts_with("BIT-")) return "bitnami";
    std::string prefix(id.substr(0, id.find('-')));
    for (char& ch : prefix) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return prefix.empty() ? "vendor" : prefix;
}

// Builds one record; counts what it skips.
class RecordReader {
public:
    explicit RecordReader(OsvImportCounts& counts) : counts_(counts) {}

    std::optional<OsvRecord> read(object root) {
        for (auto field : root) {
            std::string_view key = field.key;
            element value = field.value;
            if (key == "id")
                string_field(value, key, id_);
            else if (key == "summary")
                string_field(value, key, summary_);
            else if (key == "details")
                string_field(value, key, details_);
            else if (key == "published")
                string_field(value, key, published_);
            else if (key == "modified")
                string_field(value, key, modified_);
            else if (key == "withdrawn") {
                std::string_view when;
                if (value.get(when) == simdjson::SUCCESS)
                    withdrawn_ = !when.empty();
                else if (!value.is_null())
                    invalid();
            } else if (key == "aliases")
                string_list(value, [&](std::string_view alias) { add_alias(alias); });
            else if (key == "related")
                // A GHSA id cited with the advisory's CVE (Debian changelogs) is another
                // name for it: kept so reports and ignore files can use it.
                string_list(value, [&](std::string_view id) {
                    if (id.substr(0, 5) == "GHSA-")
                        add_alias(id);
                    else if (auto cve = cve_id_in(id))
                        cve_ids_.emplace_back(*cve);
                });
            else if (key == "upstream")
                string_list(value, [&](std::string_view id) {
                    if (auto cve = cve_id_in(id)) cve_ids_.emplace_back(*cve);
                });
            else if (key == "severity")
                severity_list(value);
            else if (key == "affected")
                affected_list(value);
            else if (key == "database_specific")
                database_specific(value);
            else if (key == "schema_version" || key == "references" || key == "credits")
                continue;  // known, not needed by a scanner
            else
                unknown(key);
        }
        if (id_.empty() || id_.size() > 256 ||
            std::any_of(id_.begin(), id_.end(),
                        [](char ch) { return static_cast<unsigned char>(ch) < 0x20; })) {
            ++counts_.skipped_records;
            return std::nullopt;
        }
        return finish();
    }

private:
    void unknown(std::string_view path) {
        ++counts_.unknown_fields;
        std::string name(path.substr(0, 80));
        auto found = counts_.unknown_field_names.find(name);
        if (found != counts_.unknown_field_names.end())
            ++found->second;
        else if (counts_.unknown_field_names.size() < kMaxCountedNames)
            counts_.unknown_field_names.emplace(std::move(name), 1);
        else
            ++counts_.unknown_field_names["(other names)"];
    }
    void invalid() { ++counts_.invalid_fields; }

    void string_field(element value, std::string_view, std::string& out) {
        std::string_view text;
        if (value.get(text) == simdjson::SUCCESS)
            out.assign(text);
        else if (!value.is_null())
            invalid();
    }
    void string_field(element value, std::string_view, std::string_view& out) {
        std::string_view text;
        if (value.get(text) == simdjson::SUCCESS)
            out = text;
        else if (!value.is_null())
            invalid();
    }

    template <typename Visit>
    void string_list(element value, Visit&& visit) {
        array items;
        if (value.get(items) != simdjson::SUCCESS) {
            if (!value.is_null()) invalid();
            return;
        }
        for (element item : items) {
            std::string_view text;
            if (item.get(text) == simdjson::SUCCESS && !text.empty())
                visit(text);
            else
                invalid();
        }
    }

    void add_alias(std::string_view alias) { aliases_.emplace_back(alias); }

    // OSV `severity[]`: {type, score}. CVSS_V3 vectors are scored; "Ubuntu" is a priority.
    void severity_list(element value) {
        array items;
        if (value.get(items) != simdjson::SUCCESS) {
            if (!value.is_null()) invalid();
            return;
        }
        for (element item : items) {
            object entry;
            if (item.get(entry) != simdjson::SUCCESS) {
                invalid();
                continue;
            }
            std::string_view type, score;
            for (auto field : entry) {
                if (field.key == "type")
                    string_field(field.value, field.key, type);
                else if (field.key == "score")
                    string_field(field.value, field.key, score);
                else
                    unknown("severity[]." + std::string(field.key));
            }
            if (type == "CVSS_V3") {
                if (auto base = cvss3_base_score(score)) {
                    if (!best_v3_ || *base > best_v3_->second) best_v3_.emplace(std::string(score), *base);
                } else {
                    invalid();
                }
            } else if (type == "CVSS_V4") {
                if (v4_vector_.empty() && score.starts_with("CVSS:4.0/")) v4_vector_ = score;
            } else if (type == "Ubuntu") {
                note_ubuntu(score);
            }
            // CVSS_V2 and types yet to come: not used for the severity.
        }
    }

    void note_ubuntu(std::string_view priority) {
        if (auto severity = ubuntu_priority(priority))
            if (!ubuntu_ || *severity > *ubuntu_) ubuntu_ = severity;
    }

    void database_specific(element value) {
        object fields;
        if (value.get(fields) != simdjson::SUCCESS) return;  // free-form by the schema
        element severity;
        if (fields["severity"].get(severity) == simdjson::SUCCESS) {
            std::string_view text;
            if (severity.get(text) == simdjson::SUCCESS) {
                if (auto parsed = parse_severity(text); parsed && *parsed != Severity::Unknown)
                    database_severity_ = parsed;
            }
        }
    }

    void affected_list(element value) {
        array items;
        if (value.get(items) != simdjson::SUCCESS) {
            if (!value.is_null()) invalid();
            return;
        }
        for (element item : items) {
            object entry;
            if (item.get(entry) != simdjson::SUCCESS) {
                invalid();
                continue;
            }
            affected_entry(entry);
        }
    }

    void affected_entry(object entry) {
        std::string_view ecosystem, name;
        std::vector<AffectedRange> ranges;
        std::vector<std::string> versions;
        bool package_seen = false;
        for (auto field : entry) {
            std::string_view key = field.key;
            if (key == "package") {
                package_seen = true;
                object package;
                if (field.value.get(package) != simdjson::SUCCESS) {
                    invalid();
                    continue;
                }
                for (auto part : package) {
                    if (part.key == "ecosystem")
                        string_field(part.value, part.key, ecosystem);
                    else if (part.key == "name")
                        string_field(part.value, part.key, name);
                    else if (part.key != "purl")
                        unknown("affected[].package." + std::string(part.key));
                }
            } else if (key == "ranges") {
                range_list(field.value, ranges);
            } else if (key == "versions") {
                string_list(field.value, [&](std::string_view version) { versions.emplace_back(version); });
            } else if (key == "severity") {
                severity_list(field.value);
            } else if (key == "ecosystem_specific") {
                object specific;
                if (field.value.get(specific) == simdjson::SUCCESS) {
                    std::string_view priority;
                    if (specific["ubuntu_priority"].get(priority) == simdjson::SUCCESS)
                        note_ubuntu(priority);
                }
            } else if (key == "database_specific") {
                ubuntu_cves_map(field.value);
            } else {
                unknown("affected[]." + std::string(key));
            }
        }
        if (!package_seen || ecosystem.empty() || name.empty()) {
            invalid();
            return;
        }
        std::string_view base = ecosystem.substr(0, ecosystem.find(':'));
        ecosystem_bases_.emplace_back(base);
        if (!is_known_osv_ecosystem(ecosystem)) {
            ++counts_.unknown_ecosystems;
            std::string label(ecosystem.substr(0, 80));
            if (counts_.unknown_ecosystem_names.count(label) ||
                counts_.unknown_ecosystem_names.size() < kMaxCountedNames)
                ++counts_.unknown_ecosystem_names[label];
            return;
        }
        std::string package_key = osv_package_key(ecosystem, name);
        std::string key;
        key.reserve(ecosystem.size() + package_key.size() + 1);
        key.append(ecosystem).push_back('\0');
        key.append(package_key);
        auto [slot, inserted] = affected_index_.try_emplace(std::move(key), affected_.size());
        if (inserted) {
            AffectedPackage package;
            package.ecosystem.assign(ecosystem);
            package.package = std::move(package_key);
            package.ranges = std::move(ranges);
            package.versions = std::move(versions);
            affected_.push_back(std::move(package));
        } else {
            AffectedPackage& merged = affected_[slot->second];
            for (auto& range : ranges) merged.ranges.push_back(std::move(range));
            for (auto& version : versions) merged.versions.push_back(std::move(version));
        }
    }

    // Ubuntu USN records: database_specific.cves_map.cves[].severity[] holds the priorities.
    void ubuntu_cves_map(element value) {
        element cves;
        if (value.at_pointer("/cves_map/cves").get(cves) != simdjson::SUCCESS) return;
        array list;
        if (cves.get(list) != simdjson::SUCCESS) return;
        for (element cve : list) {
            array severities;
            if (cve["severity"].get(severities) != simdjson::SUCCESS) continue;
            for (element severity : severities) {
                std::string_view type, score;
                if (severity["type"].get(type) == simdjson::SUCCESS && type == "Ubuntu" &&
                    severity["score"].get(score) == simdjson::SUCCESS)
                    note_ubuntu(score);
            }
        }
    }

    void range_list(element value, std::vector<AffectedRange>& out) {
        array items;
        if (value.get(items) != simdjson::SUCCESS) {
            if (!value.is_null()) invalid();
            return;
        }
        for (element item : items) {
            object fields;
            if (item.get(fields) != simdjson::SUCCESS) {
                invalid();
                continue;
            }
            AffectedRange range;
            bool events_ok = false;
            for (auto field : fields) {
                if (field.key == "type") {
                    std::string_view type;
                    if (field.value.get(type) == simdjson::SUCCESS) range.type.assign(type);
                } else if (field.key == "events") {
                    events_ok = read_events(field.value, range.events);
                } else if (field.key != "repo" && field.key != "database_specific") {
                    unknown("affected[].ranges[]." + std::string(field.key));
                }
            }
            if ((range.type != "ECOSYSTEM" && range.type != "SEMVER" && range.type != "GIT") ||
                !events_ok || range.events.empty()) {
                invalid();
                continue;
            }
            out.push_back(std::move(range));
        }
    }

    bool read_events(element value, std::vector<RangeEvent>& out) {
        array items;
        if (value.get(items) != simdjson::SUCCESS) return false;
        for (element item : items) {
            object event;
            if (item.get(event) != simdjson::SUCCESS) {
                invalid();
                continue;
            }
            for (auto field : event) {
                RangeEvent::Kind kind;
                if (field.key == "introduced")
                    kind = RangeEvent::Kind::Introduced;
                else if (field.key == "fixed")
                    kind = RangeEvent::Kind::Fixed;
                else if (field.key == "last_affected")
                    kind = RangeEvent::Kind::LastAffected;
                else if (field.key == "limit")
                    kind = RangeEvent::Kind::Limit;
                else {
                    unknown("affected[].ranges[].events[]." + std::string(field.key));
                    continue;
                }
                std::string_view version;
                if (field.value.get(version) != simdjson::SUCCESS || version.empty()) {
                    invalid();
                    continue;
                }
                out.push_back(RangeEvent{kind, std::string(version)});
            }
        }
        return true;
    }

    // Vendor first (the distribution's or database's own rating), then a CVSS vector of the
    // record; the updater later fills what is left from the CVE severity data.
    OsvRecord finish() {
        OsvRecord record;
        Advisory& advisory = record.advisory;
        advisory.id = std::move(id_);
        advisory.summary = !summary_.empty() ? std::move(summary_) : summary_from_details(details_);
        advisory.published = std::move(published_);
        advisory.modified = std::move(modified_);
        advisory.withdrawn = withdrawn_;

        for (auto& cve : cve_ids_) aliases_.push_back(std::move(cve));
        for (auto& alias : aliases_) {
            if (alias == advisory.id) continue;
            if (std::find(advisory.aliases.begin(), advisory.aliases.end(), alias) ==
                advisory.aliases.end())
                advisory.aliases.push_back(std::move(alias));
        }

        auto has_base = [&](std::string_view base) {
            return std::find(ecosystem_bases_.begin(), ecosystem_bases_.end(), base) !=
                   ecosystem_bases_.end();
        };
        std::optional<Severity> vendor;
        std::string vendor_source;
        // Red Hat family errata titles start with the rating: "Important: openssl security update".
        if (has_base("AlmaLinux") || has_base("Rocky Linux") || has_base("Red Hat")) {
            static constexpr std::pair<std::string_view, Severity> kPrefixes[] = {
                {"Critical:", Severity::Critical},
                {"Important:", Severity::High},
                {"Moderate:", Severity::Medium},
                {"Low:", Severity::Low}};
            for (const auto& [prefix, severity] : kPrefixes)
                if (std::string_view(advisory.summary).starts_with(prefix)) {
                    vendor = severity;
                    vendor_source = has_base("AlmaLinux") ? "almalinux"
                                    : has_base("Rocky Linux") ? "rocky"
                                                              : "redhat";
                }
        }
        if (!vendor && ubuntu_) {
            vendor = ubuntu_;
            vendor_source = "ubuntu";
        }
        if (!vendor && database_severity_) {
            vendor = database_severity_;
            vendor_source = severity_source_for_id(advisory.id);
        }
        if (best_v3_) {
            advisory.cvss_vector = best_v3_->first;
            advisory.cvss_score = best_v3_->second;
        } else if (!v4_vector_.empty()) {
            advisory.cvss_vector.assign(v4_vector_);  // no score: CVSS 4.0 is not computed here
        }
        if (vendor) {
            advisory.severity = *vendor;
            advisory.severity_source = std::move(vendor_source);
        } else if (best_v3_) {
            advisory.severity = severity_from_cvss_score(best_v3_->second);
            advisory.severity_source = "cvss";
        }

        if (withdrawn_) {
            ++counts_.withdrawn;  // kept for lookups, but never matched: no affected rows
        } else {
            record.affected = std::move(affected_);
            for (auto& package : record.affected) package.advisory_id = advisory.id;
        }
        ++counts_.records;
        return record;
    }

    OsvImportCounts& counts_;
    std::string id_, summary_, published_, modified_;
    std::string_view details_;
    bool withdrawn_ = false;
    std::vector<std::string> aliases_, cve_ids_;
    std::vector<AffectedPackage> affected_;
    std::unordered_map<std::string, size_t> affected_index_;
    std::vector<std::string> ecosystem_bases_;
    std::optional<std::pair<std::string, double>> best_v3_;
    std::string_view v4_vector_;
    std::optional<Severity> ubuntu_, database_severity_;
};

}  // namespace

struct OsvRecordParser::Impl {
    simdjson::dom::parser parser;
    std::string copy;
};

OsvRecordParser::OsvRecordParser() : impl_(std::make_unique<Impl>()) {}
OsvRecordParser::~OsvRecordParser() = default;

Result<std::optional<OsvRecord>> OsvRecordParser::parse(std::string_view json,
                                                         OsvImportCounts& counts) {
    element document;
    auto error = impl_->parser.parse(json.data(), json.size(), false).get(document);
    if (error != simdjson::SUCCESS)
        return Error{std::string("invalid JSON: ") + simdjson::error_message(error)};
    object root;
    if (document.get(root) != simdjson::SUCCESS) {
        ++counts.skipped_records;
        return std::optional<OsvRecord>{};
    }
    RecordReader reader(counts);
    return reader.read(root);
}

Result<std::optional<OsvRecord>> OsvRecordParser::parse_copy(std::string_view json,
                                                              OsvImportCounts& counts) {
    impl_->copy.assign(json);
    impl_->copy.append(kJsonPadding, '\0');
    return parse(std::string_view(impl_->copy.data(), json.size()), counts);
}

}  // namespace moat
