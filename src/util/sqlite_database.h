// A small owner of one SQLite connection and its prepared statements, for the stores that keep
// metadata in SQLite (registry metadata, accounts). Errors come back as values naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace moat {

class SqliteStatement {
public:
    SqliteStatement() = default;
    SqliteStatement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
    ~SqliteStatement();
    SqliteStatement(SqliteStatement&& other) noexcept;
    SqliteStatement& operator=(SqliteStatement&& other) noexcept;
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    // Parameters are 1-based, as in SQLite. Bound text is copied.
    SqliteStatement& bind(int index, std::string_view text);
    SqliteStatement& bind(int index, int64_t number);
    SqliteStatement& bind_null(int index);

    // true: a row is ready; false: done. Errors name the database's message.
    Result<bool> step();
    // Runs to completion (for INSERT/UPDATE/DELETE).
    Status run();
    void reset();  // also clears bindings

    std::string text(int column) const;  // 0-based, as in SQLite
    int64_t integer(int column) const;
    bool is_null(int column) const;

private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* statement_ = nullptr;
};

class SqliteDatabase {
public:
    // Opens (creating if needed) with WAL journaling and a busy timeout, so several connections
    // of one process or of several processes can share the file.
    static Result<std::unique_ptr<SqliteDatabase>> open(const std::filesystem::path& path);
    ~SqliteDatabase();
    SqliteDatabase(const SqliteDatabase&) = delete;
    SqliteDatabase& operator=(const SqliteDatabase&) = delete;

    Status exec(std::string_view sql);  // one or more statements, no results
    Result<SqliteStatement> prepare(std::string_view sql);
    int64_t last_insert_rowid() const;
    int64_t changes() const;
    const std::filesystem::path& path() const { return path_; }
    sqlite3* handle() { return db_; }

private:
    SqliteDatabase(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
    sqlite3* db_ = nullptr;
    std::filesystem::path path_;
};

// BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless commit() succeeded.
class SqliteTransaction {
public:
    explicit SqliteTransaction(SqliteDatabase& db);
    ~SqliteTransaction();
    SqliteTransaction(const SqliteTransaction&) = delete;
    SqliteTransaction& operator=(const SqliteTransaction&) = delete;
    const Status& begun() const { return begun_; }
    Status commit();

private:
    SqliteDatabase& db_;
    Status begun_;
    bool open_ = false;
};

}  // namespace moat
