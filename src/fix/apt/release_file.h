// A repository's InRelease: its OpenPGP clearsigned signature checked with gpgv against the
// archive keyring, the signed text extracted, and its fields (Valid-Until, SHA256 list) parsed.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "util/result.h"

namespace moat::fix {

struct ReleaseFile {
    std::string suite;
    std::string codename;
    std::string valid_until;  // as written; empty when absent
    struct Entry {
        std::string sha256;
        std::uint64_t size = 0;
    };
    std::map<std::string, Entry> sha256;  // "main/binary-amd64/Packages.xz" -> hash and size
};

// Runs `gpgv --keyring KEYRING --status-fd 1 FILE` (no shell) and succeeds only when gpgv exits 0
// and reports both GOODSIG and VALIDSIG and none of BADSIG/ERRSIG/EXPKEYSIG/REVKEYSIG.
// `what` names the repository in errors ("URI suite").
Status verify_clearsigned(const std::filesystem::path& file, const std::filesystem::path& keyring,
                          const std::string& what);

// The signed text of a clearsigned message (armor headers dropped, "- " dash-escapes undone).
// Refuses text outside the one signed block so nothing unsigned can be read as signed.
Result<std::string> clearsigned_text(std::string_view message);

// Parses the fields of a Release file (the signed text).
Result<ReleaseFile> parse_release(std::string_view text);

// Whether a Release with this Valid-Until ("Sat, 30 Nov 2024 20:12:34 UTC") has expired at
// `now`. An unparsable date counts as expired so it cannot disable the check.
bool release_expired(const std::string& valid_until, std::time_t now);

}  // namespace moat::fix
