// Rust binaries built with cargo-auditable: the ".dep-v0" ELF section holds the crate list as
// zlib-compressed JSON ({"packages":[{"name","version","source","kind","dependencies","root"}]}).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// The crates of one decompressed ".dep-v0" JSON document, as cargo packages. Build-time
// dependencies (kind "build") are not in the binary and are left out. No path or layer.
std::vector<Package> parse_cargo_auditable_json(std::string_view json, std::vector<std::string>& warnings);

// The crates recorded in an ELF binary's ".dep-v0" section; nothing (and no warning) when the
// binary has no such section, a warning when the ELF or the section is damaged.
std::vector<Package> parse_cargo_auditable_binary(std::string_view binary, std::vector<std::string>& warnings);

class RustBinaryAnalyzer : public PackageAnalyzer {
public:
    std::string_view name() const override { return "rust-binary"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
