// rpm's NDB backend (SUSE, rpm >= 4.16): `Packages.db` holds slot pages that locate each
// package's blob, and blobs framed by a 'BlbS' head and a checksummed 'BlbE' tail.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/pkg/rpm/rpm_header.h"
#include "util/result.h"

namespace moat::rpm {

// Calls `visit` for every header blob, in slot order. A file that is not an NDB package
// database is an Error; a damaged slot or blob is skipped with a warning.
Status read_ndb_blobs(std::string_view file, const HeaderBlobVisitor& visit,
                      std::vector<std::string>& warnings);

}  // namespace moat::rpm
