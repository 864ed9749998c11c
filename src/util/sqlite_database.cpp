#include "util/sqlite_database.h"

#include <sqlite3.h>

namespace moat {

SqliteStatement::~SqliteStatement() {
    if (statement_) sqlite3_finalize(statement_);
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), statement_(other.statement_) {
    other.statement_ = nullptr;
}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
    if (this != &other) {
        if (statement_) sqlite3_finalize(statement_);
        db_ = other.db_;
        statement_ = other.statement_;
        other.statement_ = nullptr;
    }
    return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

SqliteStatement& SqliteStatement::bind(int index, int64_t number) {
    sqlite3_bind_int64(statement_, index, number);
    return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
    sqlite3_bind_null(statement_, index);
    return *this;
}

Result<bool> SqliteStatement::step() {
    int status = sqlite3_step(statement_);
    if (status == SQLITE_ROW) return true;
    if (status == SQLITE_DONE) return false;
    return Error{sqlite3_errmsg(db_)};
}

Status SqliteStatement::run() {
    auto stepped = step();
    reset();
    if (!stepped) return stepped.error();
    return Status::Ok();
}

void SqliteStatement::reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

std::string SqliteStatement::text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    if (!data) return {};
    return std::string(data, static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

int64_t SqliteStatement::integer(int column) const { return sqlite3_column_int64(statement_, column); }

bool SqliteStatement::is_null(int column) const {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const std::filesystem::path& path) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
        std::string message = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close_v2(db);
        return Error{path.string() + ": cannot open database: " + message};
    }
    sqlite3_busy_timeout(db, 10000);
    std::unique_ptr<SqliteDatabase> database(new SqliteDatabase(db, path));
    if (auto status = database->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
        !status)
        return Error{path.string() + ": " + status.message()};
    return database;
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close_v2(db_); }

Status SqliteDatabase::exec(std::string_view sql) {
    std::string owned(sql);
    char* message = nullptr;
    if (sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message ? message : sqlite3_errmsg(db_);
        sqlite3_free(message);
        return Error{path_.string() + ": " + text};
    }
    return Status::Ok();
}

Result<SqliteStatement> SqliteDatabase::prepare(std::string_view sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &statement, nullptr) != SQLITE_OK)
        return Error{path_.string() + ": " + sqlite3_errmsg(db_)};
    return SqliteStatement(db_, statement);
}

int64_t SqliteDatabase::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int64_t SqliteDatabase::changes() const { return sqlite3_changes64(db_); }

SqliteTransaction::SqliteTransaction(SqliteDatabase& db) : db_(db) {
    begun_ = db_.exec("BEGIN IMMEDIATE");
    open_ = begun_.ok();
}

SqliteTransaction::~SqliteTransaction() {
    if (open_) (void)db_.exec("ROLLBACK");
}

Status SqliteTransaction::commit() {
    if (!open_) return begun_.ok() ? Status(Error{"transaction already finished"}) : begun_;
    open_ = false;
    return db_.exec("COMMIT");
}

}  // namespace moat
