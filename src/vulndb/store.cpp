#include "vulndb/store.h"

#include <pwd.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>

namespace moat {

// --- severities and paths -------------------------------------------------------------------

std::string_view severity_name(Severity severity) {
    switch (severity) {
        case Severity::Critical: return "CRITICAL";
        case Severity::High: return "HIGH";
        case Severity::Medium: return "MEDIUM";
        case Severity::Low: return "LOW";
        case Severity::Unknown: break;
    }
    return "UNKNOWN";
}

std::optional<Severity> parse_severity(std::string_view text) {
    std::string upper(text);
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (upper == "CRITICAL") return Severity::Critical;
    if (upper == "HIGH") return Severity::High;
    if (upper == "MEDIUM" || upper == "MODERATE") return Severity::Medium;
    if (upper == "LOW") return Severity::Low;
    if (upper == "UNKNOWN") return Severity::Unknown;
    return std::nullopt;
}

std::filesystem::path default_db_path() {
    const char* cache = std::getenv("XDG_CACHE_HOME");
    if (cache && *cache == '/') return std::filesystem::path(cache) / "moat" / "db";
    const char* home = std::getenv("HOME");
    if (!home || !*home) {
        if (const passwd* entry = ::getpwuid(::getuid())) home = entry->pw_dir;
    }
    if (home && *home) return std::filesystem::path(home) / ".cache" / "moat" / "db";
    return std::filesystem::path("moat-db");
}

std::string utc_now_rfc3339() {
    std::time_t now = std::time(nullptr);
    std::tm parts{};
    ::gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

// --- packed columns -------------------------------------------------------------------------

namespace {

void append_json_string(std::string& out, std::string_view text) {
    out.push_back('"');
    for (char ch : text) {
        auto byte = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') {
            out.push_back('\\');
            out.push_back(ch);
        } else if (byte < 0x20) {
            out += fmt::format("\\u{:04x}", byte);
        } else {
            out.push_back(ch);
        }
    }
    out.push_back('"');
}

std::string_view event_code(RangeEvent::Kind kind) {
    switch (kind) {
        case RangeEvent::Kind::Introduced: return "i";
        case RangeEvent::Kind::Fixed: return "f";
        case RangeEvent::Kind::LastAffected: return "a";
        case RangeEvent::Kind::Limit: return "l";
    }
    return "i";
}

// A decoder shared by the reader's calls (callers hold the reader's mutex).
bool decode_ranges_with(simdjson::dom::parser& parser, std::string_view text,
                        std::vector<AffectedRange>& out) {
    simdjson::dom::array ranges;
    if (parser.parse(text.data(), text.size(), true).get(ranges) != simdjson::SUCCESS) return false;
    for (simdjson::dom::element item : ranges) {
        simdjson::dom::array parts;
        if (item.get(parts) != simdjson::SUCCESS) return false;
        AffectedRange range;
        bool first = true;
        std::string_view kind;
        for (simdjson::dom::element part : parts) {
            std::string_view value;
            if (part.get(value) != simdjson::SUCCESS) return false;
            if (first) {
                range.type.assign(value);
                first = false;
            } else if (kind.empty()) {
                kind = value;
            } else {
                RangeEvent::Kind parsed;
                if (kind == "i")
                    parsed = RangeEvent::Kind::Introduced;
                else if (kind == "f")
                    parsed = RangeEvent::Kind::Fixed;
                else if (kind == "a")
                    parsed = RangeEvent::Kind::LastAffected;
                else if (kind == "l")
                    parsed = RangeEvent::Kind::Limit;
                else
                    return false;
                range.events.push_back(RangeEvent{parsed, std::string(value)});
                kind = {};
            }
        }
        if (first || !kind.empty()) return false;
        out.push_back(std::move(range));
    }
    return true;
}

bool decode_string_list_with(simdjson::dom::parser& parser, std::string_view text,
                             std::vector<std::string>& out) {
    simdjson::dom::array items;
    if (parser.parse(text.data(), text.size(), true).get(items) != simdjson::SUCCESS) return false;
    for (simdjson::dom::element item : items) {
        std::string_view value;
        if (item.get(value) != simdjson::SUCCESS) return false;
        out.emplace_back(value);
    }
    return true;
}

}  // namespace

std::string encode_ranges(const std::vector<AffectedRange>& ranges) {
    std::string out = "[";
    for (const auto& range : ranges) {
        if (out.size() > 1) out.push_back(',');
        out.push_back('[');
        append_json_string(out, range.type);
        for (const auto& event : range.events) {
            out += ",\"";
            out += event_code(event.kind);
            out += "\",";
            append_json_string(out, event.version);
        }
        out.push_back(']');
    }
    out.push_back(']');
    return out;
}

bool decode_ranges(std::string_view text, std::vector<AffectedRange>& out) {
    simdjson::dom::parser parser;
    return decode_ranges_with(parser, text, out);
}

std::string encode_string_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const auto& item : items) {
        if (out.size() > 1) out.push_back(',');
        append_json_string(out, item);
    }
    out.push_back(']');
    return out;
}

bool decode_string_list(std::string_view text, std::vector<std::string>& out) {
    simdjson::dom::parser parser;
    return decode_string_list_with(parser, text, out);
}

// --- SQLite helpers -------------------------------------------------------------------------

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE sources(
  name TEXT PRIMARY KEY, kind TEXT NOT NULL, location TEXT NOT NULL,
  etag TEXT NOT NULL, last_modified TEXT NOT NULL, fetched_at TEXT NOT NULL,
  records INTEGER NOT NULL, skipped INTEGER NOT NULL, unknown_fields INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE advisories(
  id TEXT PRIMARY KEY, aliases TEXT NOT NULL, summary TEXT NOT NULL,
  published TEXT NOT NULL, modified TEXT NOT NULL, withdrawn INTEGER NOT NULL,
  severity INTEGER NOT NULL, severity_source TEXT NOT NULL,
  cvss_vector TEXT NOT NULL, cvss_score REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE affected(
  ecosystem TEXT NOT NULL, package TEXT NOT NULL, advisory_id TEXT NOT NULL,
  ranges TEXT NOT NULL, versions TEXT,
  PRIMARY KEY(ecosystem, package, advisory_id)
) WITHOUT ROWID;
CREATE TABLE aliases(alias TEXT NOT NULL, advisory_id TEXT NOT NULL,
  PRIMARY KEY(alias, advisory_id)) WITHOUT ROWID;
CREATE TABLE advisory_sources(source TEXT NOT NULL, advisory_id TEXT NOT NULL,
  PRIMARY KEY(source, advisory_id)) WITHOUT ROWID;
CREATE TABLE cve_severity(
  cve_id TEXT PRIMARY KEY, severity INTEGER NOT NULL, score REAL NOT NULL,
  vector TEXT NOT NULL, provider TEXT NOT NULL, source TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE ecosystem_counts(ecosystem TEXT PRIMARY KEY, advisories INTEGER NOT NULL) WITHOUT ROWID;
)sql";

struct StatementDeleter {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

struct ConnectionCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

Status exec(sqlite3* db, const char* sql, std::string_view what) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message ? message : sqlite3_errmsg(db);
        sqlite3_free(message);
        return Error{fmt::format("{}: {}", what, text)};
    }
    return Status::Ok();
}

Result<Statement> prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
        return Error{sqlite3_errmsg(db)};
    return Statement(raw);
}

void bind_text(sqlite3_stmt* statement, int index, std::string_view text) {
    sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

std::string_view column_text(sqlite3_stmt* statement, int index) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, index));
    if (!text) return {};
    return std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(statement, index)));
}

// Runs a bound statement that returns no rows, and resets it.
Status step_done(sqlite3* db, sqlite3_stmt* statement) {
    int status = sqlite3_step(statement);
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    if (status != SQLITE_DONE) return Error{sqlite3_errmsg(db)};
    return Status::Ok();
}

std::vector<std::string_view> cve_ids_of(std::string_view id, const std::vector<std::string>& aliases) {
    std::vector<std::string_view> ids;
    if (auto cve = cve_id_in(id)) ids.push_back(*cve);
    for (const auto& alias : aliases)
        if (auto cve = cve_id_in(alias); cve && *cve == alias) ids.push_back(*cve);
    return ids;
}

}  // namespace

// --- writer ---------------------------------------------------------------------------------

struct VulnDbWriter::Impl {
    std::filesystem::path path;
    Connection db;
    Statement insert_advisory, insert_affected, insert_alias, insert_source_of, insert_cve,
        insert_source, set_meta;
    bool finished = false;
    bool previous_attached = false;
    std::string scratch_aliases, scratch_ranges, scratch_versions;
};

VulnDbWriter::VulnDbWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

VulnDbWriter::~VulnDbWriter() {
    if (impl_ && impl_->db && !impl_->finished) sqlite3_exec(impl_->db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

namespace {

// A read-only SQLite URI for a path ('%', '?' and '#' escaped).
std::string read_only_uri(const std::filesystem::path& path) {
    std::string uri = "file:";
    for (char ch : path.string()) {
        if (ch == '%' || ch == '?' || ch == '#')
            uri += fmt::format("%{:02x}", static_cast<unsigned char>(ch));
        else
            uri.push_back(ch);
    }
    return uri + "?mode=ro";
}

}  // namespace

Result<std::unique_ptr<VulnDbWriter>> VulnDbWriter::create(const std::filesystem::path& path,
                                                           const std::filesystem::path& previous) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    sqlite3* raw = nullptr;
    int status = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE |
                                     SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
                                 nullptr);
    impl->db.reset(raw);
    if (status != SQLITE_OK)
        return Error{fmt::format("{}: cannot create the database: {}", path.string(),
                                 raw ? sqlite3_errmsg(raw) : sqlite3_errstr(status))};
    sqlite3* db = raw;
    auto what = path.string();
    // A private file until renamed into place: no journal, no syncs (the updater fsyncs once).
    for (const char* pragma : {"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF",
                               "PRAGMA locking_mode=EXCLUSIVE", "PRAGMA cache_size=-131072",
                               "PRAGMA temp_store=MEMORY"})
        if (Status done = exec(db, pragma, what); !done) return done.error();
    if (Status done = exec(db, kSchema, what); !done) return done.error();
    if (!previous.empty()) {
        // ATTACH cannot run inside a transaction: the previous database is attached first,
        // read-only, for carry_over().
        auto attach = prepare(db, "ATTACH DATABASE ?1 AS previous");
        if (!attach) return Error{fmt::format("{}: {}", what, attach.error().message)};
        std::string uri = read_only_uri(previous);
        bind_text(attach->get(), 1, uri);
        if (Status done = step_done(db, attach->get()); !done)
            return Error{fmt::format("{}: cannot read the previous database: {}", previous.string(),
                                     done.message())};
        impl->previous_attached = true;
    }
    if (Status done = exec(db, "BEGIN", what); !done) return done.error();

    struct {
        Statement* slot;
        const char* sql;
    } statements[] = {
        {&impl->insert_advisory,
         "INSERT OR IGNORE INTO advisories VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"},
        {&impl->insert_affected, "INSERT OR IGNORE INTO affected VALUES(?1,?2,?3,?4,?5)"},
        {&impl->insert_alias, "INSERT OR IGNORE INTO aliases VALUES(?1,?2)"},
        {&impl->insert_source_of, "INSERT OR IGNORE INTO advisory_sources VALUES(?1,?2)"},
        {&impl->insert_cve, "INSERT OR REPLACE INTO cve_severity VALUES(?1,?2,?3,?4,?5,?6)"},
        {&impl->insert_source, "INSERT OR REPLACE INTO sources VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)"},
        {&impl->set_meta, "INSERT OR REPLACE INTO meta VALUES(?1,?2)"},
    };
    for (auto& [slot, sql] : statements) {
        auto prepared = prepare(db, sql);
        if (!prepared) return Error{fmt::format("{}: {}", what, prepared.error().message)};
        *slot = std::move(*prepared);
    }
    return std::unique_ptr<VulnDbWriter>(new VulnDbWriter(std::move(impl)));
}

Result<bool> VulnDbWriter::add_record(const OsvRecord& record, std::string_view source) {
    sqlite3* db = impl_->db.get();
    const Advisory& advisory = record.advisory;
    sqlite3_stmt* statement = impl_->insert_source_of.get();
    bind_text(statement, 1, source);
    bind_text(statement, 2, advisory.id);
    if (Status done = step_done(db, statement); !done) return done.error();

    statement = impl_->insert_advisory.get();
    impl_->scratch_aliases = encode_string_list(advisory.aliases);
    bind_text(statement, 1, advisory.id);
    bind_text(statement, 2, impl_->scratch_aliases);
    bind_text(statement, 3, advisory.summary);
    bind_text(statement, 4, advisory.published);
    bind_text(statement, 5, advisory.modified);
    sqlite3_bind_int(statement, 6, advisory.withdrawn ? 1 : 0);
    sqlite3_bind_int(statement, 7, static_cast<int>(advisory.severity));
    bind_text(statement, 8, advisory.severity_source);
    bind_text(statement, 9, advisory.cvss_vector);
    sqlite3_bind_double(statement, 10, advisory.cvss_score);
    if (Status done = step_done(db, statement); !done) return done.error();
    if (sqlite3_changes(db) == 0) return false;  // stored from another folder already
    ++advisories_;

    statement = impl_->insert_alias.get();
    for (const auto& alias : advisory.aliases) {
        bind_text(statement, 1, alias);
        bind_text(statement, 2, advisory.id);
        if (Status done = step_done(db, statement); !done) return done.error();
    }
    statement = impl_->insert_affected.get();
    for (const auto& package : record.affected) {
        impl_->scratch_ranges = encode_ranges(package.ranges);
        bind_text(statement, 1, package.ecosystem);
        bind_text(statement, 2, package.package);
        bind_text(statement, 3, advisory.id);
        bind_text(statement, 4, impl_->scratch_ranges);
        if (package.versions.empty()) {
            sqlite3_bind_null(statement, 5);
        } else {
            impl_->scratch_versions = encode_string_list(package.versions);
            bind_text(statement, 5, impl_->scratch_versions);
        }
        if (Status done = step_done(db, statement); !done) return done.error();
    }
    return true;
}

Status VulnDbWriter::add_cve_severity(const CveSeverity& rating, std::string_view source) {
    sqlite3_stmt* statement = impl_->insert_cve.get();
    bind_text(statement, 1, rating.cve_id);
    sqlite3_bind_int(statement, 2, static_cast<int>(rating.severity));
    sqlite3_bind_double(statement, 3, rating.score);
    bind_text(statement, 4, rating.vector);
    bind_text(statement, 5, rating.provider);
    bind_text(statement, 6, source);
    return step_done(impl_->db.get(), statement);
}

Result<uint64_t> VulnDbWriter::carry_over(const DbSource& source) {
    sqlite3* db = impl_->db.get();
    if (!impl_->previous_attached)
        return Error{fmt::format("{}: cannot carry over {}: no previous database", impl_->path.string(),
                                 source.name)};
    static const char* const kOsvSql[] = {
        // An advisory that a changed input re-imported keeps its new rows only.
        "INSERT OR IGNORE INTO affected SELECT * FROM previous.affected WHERE advisory_id IN "
        "(SELECT advisory_id FROM previous.advisory_sources WHERE source=?1) "
        "AND advisory_id NOT IN (SELECT id FROM main.advisories)",
        "INSERT OR IGNORE INTO aliases SELECT * FROM previous.aliases WHERE advisory_id IN "
        "(SELECT advisory_id FROM previous.advisory_sources WHERE source=?1) "
        "AND advisory_id NOT IN (SELECT id FROM main.advisories)",
        "INSERT OR IGNORE INTO advisories SELECT * FROM previous.advisories WHERE id IN "
        "(SELECT advisory_id FROM previous.advisory_sources WHERE source=?1)",
        "INSERT OR IGNORE INTO advisory_sources SELECT * FROM previous.advisory_sources WHERE source=?1",
    };
    static const char* const kCveSql[] = {
        "INSERT OR IGNORE INTO cve_severity SELECT * FROM previous.cve_severity WHERE source=?1",
    };
    const bool is_cve = source.kind == "cve";
    const size_t count = is_cve ? std::size(kCveSql) : std::size(kOsvSql);
    uint64_t copied = 0;
    for (size_t k = 0; k < count; ++k) {
        auto statement = prepare(db, is_cve ? kCveSql[k] : kOsvSql[k]);
        if (!statement)
            return Error{fmt::format("{}: carrying over {}: {}", impl_->path.string(), source.name,
                                     statement.error().message)};
        bind_text(statement->get(), 1, source.name);
        if (Status done = step_done(db, statement->get()); !done)
            return Error{fmt::format("{}: carrying over {}: {}", impl_->path.string(), source.name,
                                     done.message())};
        if (is_cve || k == 2) copied += static_cast<uint64_t>(sqlite3_changes(db));
    }
    if (!is_cve) advisories_ += copied;
    return copied;
}

Status VulnDbWriter::set_source(const DbSource& source) {
    sqlite3_stmt* statement = impl_->insert_source.get();
    bind_text(statement, 1, source.name);
    bind_text(statement, 2, source.kind);
    bind_text(statement, 3, source.location);
    bind_text(statement, 4, source.etag);
    bind_text(statement, 5, source.last_modified);
    bind_text(statement, 6, source.fetched_at);
    sqlite3_bind_int64(statement, 7, static_cast<sqlite3_int64>(source.records));
    sqlite3_bind_int64(statement, 8, static_cast<sqlite3_int64>(source.skipped));
    sqlite3_bind_int64(statement, 9, static_cast<sqlite3_int64>(source.unknown_fields));
    return step_done(impl_->db.get(), statement);
}

Result<uint64_t> VulnDbWriter::apply_cve_severity() {
    sqlite3* db = impl_->db.get();
    auto what = impl_->path.string();
    std::unordered_map<std::string, CveSeverity> ratings;
    {
        auto select = prepare(db, "SELECT cve_id, severity, score, vector, provider FROM cve_severity");
        if (!select) return Error{fmt::format("{}: {}", what, select.error().message)};
        while (sqlite3_step(select->get()) == SQLITE_ROW) {
            CveSeverity rating;
            rating.cve_id = column_text(select->get(), 0);
            rating.severity = static_cast<Severity>(std::clamp(sqlite3_column_int(select->get(), 1), 0, 4));
            rating.score = sqlite3_column_double(select->get(), 2);
            rating.vector = column_text(select->get(), 3);
            rating.provider = column_text(select->get(), 4);
            ratings.emplace(rating.cve_id, std::move(rating));
        }
    }
    struct Change {
        std::string id;
        const CveSeverity* rating;  // nullptr: reset a stale "cve" rating
    };
    std::vector<Change> changes;
    {
        auto select = prepare(db,
                              "SELECT id, aliases, severity_source FROM advisories "
                              "WHERE severity_source IN ('', 'cve')");
        if (!select) return Error{fmt::format("{}: {}", what, select.error().message)};
        simdjson::dom::parser parser;
        std::vector<std::string> aliases;
        while (sqlite3_step(select->get()) == SQLITE_ROW) {
            std::string_view id = column_text(select->get(), 0);
            aliases.clear();
            (void)decode_string_list_with(parser, column_text(select->get(), 1), aliases);
            const CveSeverity* worst =
                worst_cve_severity(cve_ids_of(id, aliases), [&](std::string_view cve) -> const CveSeverity* {
                    auto found = ratings.find(std::string(cve));
                    return found == ratings.end() ? nullptr : &found->second;
                });
            bool was_cve = column_text(select->get(), 2) == "cve";
            if (worst || was_cve) changes.push_back(Change{std::string(id), worst});
        }
    }
    auto update = prepare(db,
                          "UPDATE advisories SET severity=?2, severity_source=?3, cvss_vector=?4, "
                          "cvss_score=?5 WHERE id=?1");
    if (!update) return Error{fmt::format("{}: {}", what, update.error().message)};
    uint64_t rated = 0;
    for (const auto& change : changes) {
        bind_text(update->get(), 1, change.id);
        if (change.rating) {
            sqlite3_bind_int(update->get(), 2, static_cast<int>(change.rating->severity));
            bind_text(update->get(), 3, "cve");
            bind_text(update->get(), 4, change.rating->vector);
            sqlite3_bind_double(update->get(), 5, change.rating->score);
            ++rated;
        } else {
            sqlite3_bind_int(update->get(), 2, 0);
            bind_text(update->get(), 3, "");
            bind_text(update->get(), 4, "");
            sqlite3_bind_double(update->get(), 5, 0);
        }
        if (Status done = step_done(db, update->get()); !done)
            return Error{fmt::format("{}: {}", what, done.message())};
    }
    return rated;
}

Status VulnDbWriter::finish(std::string_view updated_at) {
    sqlite3* db = impl_->db.get();
    auto what = impl_->path.string();
    if (Status done = exec(db,
                           "INSERT INTO ecosystem_counts SELECT ecosystem, COUNT(DISTINCT advisory_id) "
                           "FROM affected GROUP BY ecosystem",
                           what);
        !done)
        return done;
    uint64_t total = 0;
    {
        auto count = prepare(db, "SELECT COUNT(*) FROM advisories");
        if (!count) return Error{fmt::format("{}: {}", what, count.error().message)};
        if (sqlite3_step(count->get()) == SQLITE_ROW)
            total = static_cast<uint64_t>(sqlite3_column_int64(count->get(), 0));
    }
    std::string now = utc_now_rfc3339();
    std::pair<std::string, std::string> meta[] = {
        {"schema_version", std::to_string(kVulnDbSchemaVersion)},
        {"created_at", now},
        {"updated_at", std::string(updated_at)},
        {"advisories", std::to_string(total)},
    };
    for (const auto& [key, value] : meta) {
        bind_text(impl_->set_meta.get(), 1, key);
        bind_text(impl_->set_meta.get(), 2, value);
        if (Status done = step_done(db, impl_->set_meta.get()); !done)
            return Error{fmt::format("{}: {}", what, done.message())};
    }
    if (Status done = exec(db, "COMMIT", what); !done) return done;
    impl_->finished = true;
    // Statements must go before the connection closes.
    impl_->insert_advisory.reset();
    impl_->insert_affected.reset();
    impl_->insert_alias.reset();
    impl_->insert_source_of.reset();
    impl_->insert_cve.reset();
    impl_->insert_source.reset();
    impl_->set_meta.reset();
    if (sqlite3_close(impl_->db.release()) != SQLITE_OK)
        return Error{fmt::format("{}: cannot close the database", what)};
    return Status::Ok();
}

Status touch_database(const std::filesystem::path& path, std::string_view updated_at) {
    sqlite3* raw = nullptr;
    int status = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    Connection db(raw);
    if (status != SQLITE_OK)
        return Error{fmt::format("{}: cannot open the database: {}", path.string(),
                                 raw ? sqlite3_errmsg(raw) : sqlite3_errstr(status))};
    sqlite3_busy_timeout(raw, 10000);
    auto what = path.string();
    if (Status done = exec(raw, "BEGIN IMMEDIATE", what); !done) return done;
    auto update = prepare(raw, "UPDATE meta SET value=?1 WHERE key='updated_at'");
    auto sources = prepare(raw, "UPDATE sources SET fetched_at=?1");
    if (!update || !sources) {
        (void)exec(raw, "ROLLBACK", what);
        return Error{fmt::format("{}: {}", what, sqlite3_errmsg(raw))};
    }
    bind_text(update->get(), 1, updated_at);
    bind_text(sources->get(), 1, updated_at);
    Status first = step_done(raw, update->get());
    Status second = step_done(raw, sources->get());
    if (!first || !second) {
        (void)exec(raw, "ROLLBACK", what);
        return Error{fmt::format("{}: {}", what, !first ? first.message() : second.message())};
    }
    update->reset();
    sources->reset();
    return exec(raw, "COMMIT", what);
}

// --- reader ---------------------------------------------------------------------------------

namespace {

class SqliteVulnDatabase final : public VulnDatabase {
public:
    SqliteVulnDatabase(std::filesystem::path path, Connection db) : path_(std::move(path)), db_(std::move(db)) {}
    ~SqliteVulnDatabase() override {
        affected_.reset();
        advisory_.reset();
    }

    Status prepare_statements() {
        auto affected = prepare(db_.get(),
                                "SELECT advisory_id, ranges, versions FROM affected "
                                "WHERE ecosystem=?1 AND package=?2");
        if (!affected) return affected.error();
        affected_ = std::move(*affected);
        auto advisory = prepare(db_.get(),
                                "SELECT id, aliases, summary, published, modified, withdrawn, severity, "
                                "severity_source, cvss_vector, cvss_score FROM advisories WHERE id=?1");
        if (!advisory) return advisory.error();
        advisory_ = std::move(*advisory);
        return Status::Ok();
    }

    std::vector<AffectedPackage> affected(std::string_view ecosystem,
                                          std::string_view package) const override {
        std::lock_guard lock(mutex_);
        std::vector<AffectedPackage> out;
        sqlite3_stmt* statement = affected_.get();
        const std::string key = osv_package_key(ecosystem, package);
        bind_text(statement, 1, ecosystem);
        bind_text(statement, 2, key);
        while (sqlite3_step(statement) == SQLITE_ROW) {
            AffectedPackage row;
            row.advisory_id = column_text(statement, 0);
            row.ecosystem = ecosystem;
            row.package = key;
            if (!decode_ranges_with(parser_, column_text(statement, 1), row.ranges)) continue;
            if (sqlite3_column_type(statement, 2) != SQLITE_NULL &&
                !decode_string_list_with(parser_, column_text(statement, 2), row.versions))
                continue;
            out.push_back(std::move(row));
        }
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
        return out;
    }

    std::optional<Advisory> advisory(std::string_view id) const override {
        std::lock_guard lock(mutex_);
        sqlite3_stmt* statement = advisory_.get();
        bind_text(statement, 1, id);
        std::optional<Advisory> out;
        if (sqlite3_step(statement) == SQLITE_ROW) {
            Advisory advisory;
            advisory.id = column_text(statement, 0);
            (void)decode_string_list_with(parser_, column_text(statement, 1), advisory.aliases);
            advisory.summary = column_text(statement, 2);
            advisory.published = column_text(statement, 3);
            advisory.modified = column_text(statement, 4);
            advisory.withdrawn = sqlite3_column_int(statement, 5) != 0;
            advisory.severity = static_cast<Severity>(std::clamp(sqlite3_column_int(statement, 6), 0, 4));
            advisory.severity_source = column_text(statement, 7);
            advisory.cvss_vector = column_text(statement, 8);
            advisory.cvss_score = sqlite3_column_double(statement, 9);
            out = std::move(advisory);
        }
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
        return out;
    }

    DbStatus status() const override {
        std::lock_guard lock(mutex_);
        DbStatus status;
        sqlite3* db = db_.get();
        if (auto meta = prepare(db, "SELECT key, value FROM meta")) {
            while (sqlite3_step(meta->get()) == SQLITE_ROW) {
                std::string_view key = column_text(meta->get(), 0);
                std::string value(column_text(meta->get(), 1));
                if (key == "schema_version")
                    status.schema_version = std::atoi(value.c_str());
                else if (key == "updated_at")
                    status.updated_at = value;
                else if (key == "advisories")
                    status.advisories = std::strtoull(value.c_str(), nullptr, 10);
            }
        }
        if (auto sources = prepare(db,
                                   "SELECT name, kind, location, etag, last_modified, fetched_at, "
                                   "records, skipped, unknown_fields FROM sources ORDER BY kind DESC, name")) {
            while (sqlite3_step(sources->get()) == SQLITE_ROW) {
                sqlite3_stmt* row = sources->get();
                DbSource source;
                source.name = column_text(row, 0);
                source.kind = column_text(row, 1);
                source.location = column_text(row, 2);
                source.etag = column_text(row, 3);
                source.last_modified = column_text(row, 4);
                source.fetched_at = column_text(row, 5);
                source.records = static_cast<uint64_t>(sqlite3_column_int64(row, 6));
                source.skipped = static_cast<uint64_t>(sqlite3_column_int64(row, 7));
                source.unknown_fields = static_cast<uint64_t>(sqlite3_column_int64(row, 8));
                status.sources.push_back(source.name + " " + source.location);
                status.source_details.push_back(std::move(source));
            }
        }
        if (auto counts = prepare(db, "SELECT ecosystem, advisories FROM ecosystem_counts ORDER BY ecosystem")) {
            while (sqlite3_step(counts->get()) == SQLITE_ROW)
                status.ecosystems.push_back(EcosystemCount{
                    std::string(column_text(counts->get(), 0)),
                    static_cast<uint64_t>(sqlite3_column_int64(counts->get(), 1))});
        }
        return status;
    }

private:
    std::filesystem::path path_;
    Connection db_;
    mutable std::mutex mutex_;
    mutable simdjson::dom::parser parser_;
    Statement affected_, advisory_;
};

}  // namespace

namespace {

// An in-place write to the database (the updater's touch of updated_at) that was killed leaves
// a hot journal, which a read-only connection may not roll back: a read-write connection does
// it once, so that readers keep answering.
bool roll_back_hot_journal(const std::filesystem::path& path) {
    sqlite3* raw = nullptr;
    int status = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    Connection db(raw);
    if (status != SQLITE_OK) return false;
    sqlite3_busy_timeout(raw, 5000);
    return sqlite3_exec(raw, "SELECT count(*) FROM meta", nullptr, nullptr, nullptr) == SQLITE_OK;
}

}  // namespace

Result<std::unique_ptr<VulnDatabase>> VulnDatabase::open(const std::filesystem::path& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
        return Error{fmt::format("{}: no vulnerability database here (run `moat db update`)", path.string())};
    for (int attempt = 0;; ++attempt) {
        sqlite3* raw = nullptr;
        int status = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
        Connection db(raw);
        if (status != SQLITE_OK)
            return Error{fmt::format("{}: cannot open the vulnerability database: {}", path.string(),
                                     raw ? sqlite3_errmsg(raw) : sqlite3_errstr(status))};
        sqlite3_busy_timeout(raw, 5000);
        int version = -1;
        {
            auto meta = prepare(raw, "SELECT value FROM meta WHERE key='schema_version'");
            if (!meta && sqlite3_extended_errcode(raw) == SQLITE_READONLY_ROLLBACK && attempt == 0 &&
                roll_back_hot_journal(path))
                continue;
            if (!meta)
                return Error{fmt::format("{}: not a moat vulnerability database ({})", path.string(),
                                         meta.error().message)};
            if (sqlite3_step(meta->get()) == SQLITE_ROW)
                version = std::atoi(std::string(column_text(meta->get(), 0)).c_str());
        }
        if (version != kVulnDbSchemaVersion)
            return Error{fmt::format("{}: vulnerability database schema {}, this moat reads schema {} "
                                     "(run `moat db update`)",
                                     path.string(), version < 0 ? "unknown" : std::to_string(version),
                                     kVulnDbSchemaVersion)};
        auto database = std::make_unique<SqliteVulnDatabase>(path, std::move(db));
        if (Status prepared = database->prepare_statements(); !prepared)
            return Error{fmt::format("{}: not a moat vulnerability database ({})", path.string(),
                                     prepared.message())};
        return std::unique_ptr<VulnDatabase>(std::move(database));
    }
}

}  // namespace moat
