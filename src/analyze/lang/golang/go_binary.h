// Go executables: the build information the Go linker embeds (toolchain version and the module
// list of runtime/debug.BuildInfo), found behind the "\xff Go buildinf:" header.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"
#include "util/result.h"

namespace moat::golang {

struct GoBuildInfo {
    std::string go_version;  // "go1.21.3", "go1.22.1 X:loopvar"
    std::string modinfo;     // the module lines ("path\t...", "mod\t...", "dep\t..."), sentinels stripped
};

// The build information of an ELF executable: nullopt when the file is ELF but not built by Go,
// an Error when the ELF headers are damaged.
Result<std::optional<GoBuildInfo>> read_go_build_info(std::string_view elf_bytes);

// Packages of one build: the main module (no version when Go recorded "(devel)", unless the
// -ldflags setting stamped one with -X ...version=), every dependency (its replacement when
// it has one) and the toolchain as a package "stdlib" ("go1.21.3" -> "v1.21.3").
std::vector<Package> go_build_info_packages(const GoBuildInfo& info, std::vector<std::string>& warnings);

// Both steps on one file; a damaged ELF is one warning and no packages.
std::vector<Package> parse_go_binary(std::string_view elf_bytes, std::vector<std::string>& warnings);

// The version stamped by `-X <pkg>.version=<semver>` (or `.ver`) in a go build -ldflags value,
// "" when there is none.
std::string version_from_ldflags(std::string_view ldflags);

}  // namespace moat::golang

namespace moat {

// Go executables anywhere in the image (captured as executable ELF files).
class GoBinaryAnalyzer : public PackageAnalyzer {
public:
    std::string_view name() const override { return "gobinary"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
