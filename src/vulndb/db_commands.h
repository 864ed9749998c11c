// The `moat db update` and `moat db status` commands, called by the CLI with parsed options.
// Exit codes: 0 success, 1 the input (source, network, database) failed — one line on `err`
// naming it, 2 wrong usage.
#pragma once

#include <cstdio>
#include <string>

namespace moat {

struct DbUpdateArgs {
    std::string source;           // --source URL|DIR (empty: the public OSV export)
    std::string db;               // --db PATH (empty: default_db_path())
    std::string severity_source;  // --severity-source URL|DIR|ZIP (empty: severity/ under the source)
    bool quiet = false;           // --quiet: no progress and no summary, errors only
};
int run_db_update(const DbUpdateArgs& args, std::FILE* out = stdout, std::FILE* err = stderr);

struct DbStatusArgs {
    std::string db;                // --db PATH
    std::string format = "table";  // --format table|json
};
// Prints a warning on `err` when the data is older than 7 days (still exit 0).
int run_db_status(const DbStatusArgs& args, std::FILE* out = stdout, std::FILE* err = stderr);

}  // namespace moat
