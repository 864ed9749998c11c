// Analyzers declare which paths they need; the layer walker captures those files in its one
// pass over each layer, and after the merge each analyzer reads the final view.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyze/file_view.h"
#include "inventory/package.h"
#include "util/result.h"

namespace moat {

// Which paths an analyzer wants, by exact path, path suffix or glob (fnmatch, '*' does not
// cross '/'; a pattern may also be "DIR/**" for everything below DIR).
struct PathInterest {
    std::vector<std::string> exact;
    std::vector<std::string> suffixes;
    std::vector<std::string> globs;
    // Files larger than this are not captured (the analyzer is told nothing about them).
    size_t max_bytes = 512ull << 20;
    // Also capture every executable ELF file (any x bit, "\x7fELF" magic), wherever it is: Go and
    // Rust binaries carry their module lists inside.
    bool elf_executables = false;
};

// What package analyzers know of the image besides their files.
struct AnalysisContext {
    const OsInfo* os = nullptr;  // null when no OS was recognised
};

class PackageAnalyzer {
public:
    virtual ~PackageAnalyzer() = default;
    virtual std::string_view name() const = 0;
    virtual PathInterest interest() const = 0;
    // Packages found in the merged view. A damaged database is a warning in `warnings`,
    // not a failure of the whole scan.
    virtual std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                         std::vector<std::string>& warnings) const = 0;
};

}  // namespace moat
