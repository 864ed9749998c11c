// pip requirements files (requirements.txt): only exact pins name a version.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "inventory/package.h"

namespace moat {

// The packages a requirements file pins with `==` or `===` (type pypi, name as written).
// Comments, option lines (-r, -e, --index-url, ...), environment markers, extras and
// per-requirement options (--hash) are skipped; backslash continuations are joined; a file
// saved as UTF-16 with a byte order mark is decoded. Unpinned lines (`pkg>=1`, `pkg==1.*`,
// `pkg @ url`) name no version and are left out, as Trivy does.
std::vector<Package> parse_requirements_txt(std::string_view text,
                                            std::vector<std::string>& warnings);

}  // namespace moat
