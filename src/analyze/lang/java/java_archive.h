// Java archives (.jar .war .ear, Jenkins .hpi/.jpi): the Maven packages they hold, read from
// the archive's bytes with moat's bounded ZIP reader (zip_reader.h), nested archives included.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analyze/analyzer.h"

namespace moat {

// Bounds for one outer archive (hostile archives: ZIP bombs, deep nesting, huge listings).
struct JarLimits {
    size_t max_depth = 8;                        // archives inside archives inside ...
    uint64_t max_nested_bytes = 256ull << 20;    // one nested archive, decompressed
    uint64_t max_total_bytes = 512ull << 20;     // everything decompressed for one outer archive
    size_t max_metadata_bytes = 1u << 20;        // one MANIFEST.MF / pom.properties / pom.xml / LICENSE
    size_t max_entries = 1'000'000;              // entries listed, all levels together
    size_t max_packages = 100'000;
};

// The packages of a Java archive whose bytes are `bytes`, found at `path` in the image.
// Each archive (the outer one and every nested one) is identified by its pom.properties files
// (one package per distinct groupId:artifactId:version: shaded jars hold several), else by its
// MANIFEST.MF, else by its file name ("name-1.2.3.jar", then low_confidence). Packages of
// nested archives get the path "outer.war/WEB-INF/lib/inner.jar". Licenses come from the
// pom.xml beside each pom.properties, the manifest's Plugin-License-Name fields, else from the
// archive's one license file. Problems are warnings; nothing here throws or crashes.
std::vector<Package> parse_java_archive(std::string_view bytes, const std::string& path,
                                        std::vector<std::string>& warnings, const JarLimits& limits = {});

class JavaArchiveAnalyzer : public PackageAnalyzer {
public:
    std::string_view name() const override { return "java-archive"; }
    PathInterest interest() const override;
    std::vector<Package> analyze(const FileView& files, const AnalysisContext& context,
                                 std::vector<std::string>& warnings) const override;
};

}  // namespace moat
