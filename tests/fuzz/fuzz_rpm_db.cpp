// Fuzz entry for moat's rpm database readers: the same bytes go to the Berkeley DB, NDB and
// SQLite readers, the container-manifest parser and the bare header-blob parser.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/pkg/rpm/rpm_header.h"
#include "analyze/pkg/rpm_analyzer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    for (moat::RpmDbFormat format :
         {moat::RpmDbFormat::kBerkeleyDb, moat::RpmDbFormat::kNdb, moat::RpmDbFormat::kSqlite,
          moat::RpmDbFormat::kContainerManifest}) {
        std::vector<std::string> warnings;
        (void)moat::read_rpm_database(bytes, format, &warnings);
    }
    (void)moat::rpm::parse_header(bytes);
    return 0;
}
