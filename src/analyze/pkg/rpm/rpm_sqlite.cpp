#include "analyze/pkg/rpm/rpm_sqlite.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstring>
#include <memory>

namespace moat::rpm {
namespace {

constexpr std::string_view kSqliteMagic("SQLite format 3\0", 16);
constexpr size_t kSqliteHeaderBytes = 100;
// Header bytes 18 and 19 are the write and read format versions: 2 means WAL. The in-memory
// VFS cannot do WAL, and the copy is read-only anyway, so the copy is marked as legacy (1).
constexpr size_t kWriteVersionOffset = 18;
constexpr size_t kReadVersionOffset = 19;
constexpr unsigned char kWalFormat = 2;
constexpr unsigned char kLegacyFormat = 1;
// The progress handler runs every this many virtual-machine steps; the budget of calls grows
// with the file, so a corrupt file cannot keep a query running without end.
constexpr int kStepsPerProgressCall = 10000;

struct ConnectionCloser {
    void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StatementFinalizer {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};

struct ProgressBudget {
    uint64_t calls_left;
};

int stop_when_budget_spent(void* context) {
    auto* budget = static_cast<ProgressBudget*>(context);
    if (budget->calls_left == 0) return 1;  // non-zero interrupts the query
    --budget->calls_left;
    return 0;
}

Result<std::unique_ptr<sqlite3, ConnectionCloser>> open_copy(std::string_view file) {
    sqlite3* raw = nullptr;
    const int opened =
        sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    std::unique_ptr<sqlite3, ConnectionCloser> db(raw);
    if (opened != SQLITE_OK) return Error{"SQLite cannot open an in-memory database"};
    sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_limit(db.get(), SQLITE_LIMIT_LENGTH, static_cast<int>(kMaxHeaderBlobBytes));

    auto* copy = static_cast<unsigned char*>(sqlite3_malloc64(file.size()));
    if (!copy)
        return Error{fmt::format("cannot allocate {} bytes for the database copy", file.size())};
    std::memcpy(copy, file.data(), file.size());
    if (copy[kWriteVersionOffset] == kWalFormat) copy[kWriteVersionOffset] = kLegacyFormat;
    if (copy[kReadVersionOffset] == kWalFormat) copy[kReadVersionOffset] = kLegacyFormat;
    const auto size = static_cast<sqlite3_int64>(file.size());
    // FREEONCLOSE hands `copy` to SQLite, which frees it even when deserialize fails.
    const int loaded =
        sqlite3_deserialize(db.get(), "main", copy, size, size,
                            SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
    if (loaded != SQLITE_OK)
        return Error{fmt::format("SQLite cannot load the file: {}", sqlite3_errmsg(db.get()))};
    sqlite3_exec(db.get(), "PRAGMA cell_size_check = ON", nullptr, nullptr, nullptr);
    return db;
}

}  // namespace

Status read_sqlite_blobs(std::string_view file, const HeaderBlobVisitor& visit,
                         std::vector<std::string>& warnings) {
    if (file.size() < kSqliteHeaderBytes || file.substr(0, kSqliteMagic.size()) != kSqliteMagic)
        return Error{"not an SQLite database"};
    auto db = open_copy(file);
    if (!db) return db.error();

    ProgressBudget budget{file.size() / 64 + 10000};
    sqlite3_progress_handler(db->get(), kStepsPerProgressCall, stop_when_budget_spent, &budget);

    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db->get(), "SELECT hnum, blob FROM Packages", -1, &raw, nullptr) !=
        SQLITE_OK) {
        std::string message = sqlite3_errmsg(db->get());
        sqlite3_finalize(raw);
        return Error{fmt::format("cannot read table Packages: {}", message)};
    }
    std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement(raw);
    size_t rows = 0;
    for (;;) {
        const int stepped = sqlite3_step(statement.get());
        if (stepped == SQLITE_DONE) break;
        if (stepped != SQLITE_ROW) {
            std::string message = fmt::format("reading table Packages failed after {} rows: {}",
                                              rows, sqlite3_errmsg(db->get()));
            if (rows == 0) return Error{message};
            add_capped_warning(warnings, std::move(message));
            break;
        }
        ++rows;
        const auto record = static_cast<uint32_t>(sqlite3_column_int64(statement.get(), 0));
        const void* blob = sqlite3_column_blob(statement.get(), 1);
        const int blob_bytes = sqlite3_column_bytes(statement.get(), 1);
        visit(record, blob ? std::string_view(static_cast<const char*>(blob),
                                              static_cast<size_t>(blob_bytes))
                           : std::string_view());
    }
    return Status::Ok();
}

}  // namespace moat::rpm
