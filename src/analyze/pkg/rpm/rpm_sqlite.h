// rpm's SQLite backend (rpm >= 4.16; Fedora 33+, RHEL 9, CBL-Mariner): `rpmdb.sqlite` keeps
// each header blob in table Packages(hnum, blob). Read from memory, never from a path.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/pkg/rpm/rpm_header.h"
#include "util/result.h"

namespace moat::rpm {

// Calls `visit` for every row of Packages, reading a private read-only in-memory copy of the
// file (no temp files). A file SQLite cannot open or query is an Error; trouble after some rows
// were read is a warning.
Status read_sqlite_blobs(std::string_view file, const HeaderBlobVisitor& visit,
                         std::vector<std::string>& warnings);

}  // namespace moat::rpm
