// rpm's Berkeley DB backend: `Packages` is a BDB *Hash* database whose records map a package
// number to a header blob (CentOS 5-7, RHEL <= 8, Amazon Linux 2). Read without libdb.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/pkg/rpm/rpm_header.h"
#include "util/result.h"

namespace moat::rpm {

// Calls `visit` for every header blob in the file (either byte order). A file that is not a
// readable hash database is an Error; a damaged record is skipped with a warning.
Status read_bdb_blobs(std::string_view file, const HeaderBlobVisitor& visit,
                      std::vector<std::string>& warnings);

}  // namespace moat::rpm
