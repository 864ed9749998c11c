// The full vulnerability database, built from ../shared/vulndb once per moat binary and shared
// by the integration test processes.
#pragma once

#include <filesystem>

namespace moat::testing {

// What to do with the caches of other moat builds: scan_debian_test.cpp removes the ones older
// than six hours, the other callers leave them alone.
enum class StaleCaches { kKeep, kRemove };

// The path of the database (ctest runs every test in a process of its own, so "once per suite"
// would still be once per test). `moat db update` keeps an unchanged database (a few stat()s and
// a touch), so only the first caller pays the import; the callers queue on a lock of their own.
// Throws std::runtime_error when the moat binary is missing or the update fails.
std::filesystem::path full_database(StaleCaches stale = StaleCaches::kKeep);

}  // namespace moat::testing
