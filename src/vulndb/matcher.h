// The matcher is pure: (inventory, database) -> findings. OS packages are judged by their
// vendor's advisories only, matched by source package where the vendor's data is (Debian,
// Ubuntu, Alpine) and by binary name for rpm distributions.
//
// Application packages (npm, pypi, maven, golang, cargo, gem, composer, nuget) are judged by
// their registry's OSV ecosystem, whether or not an OS was recognised, with the ecosystem's
// own version order; names are looked up as the registry compares them (osv_package_key).
// A package whose version its ecosystem cannot parse ("(devel)", "dev-main") is not judged.
// The Go toolchain's standard library is the package "stdlib" (and "toolchain", the go
// command), its version "1.21.3", "v1.21.3" or "go1.21.3".
//
// Malicious-package advisories (OSV "MAL-" ids) do not describe a vulnerable version but a
// package that is malware. They stay in the output, keyed by their MAL- id and with
// `malicious` set, so that the report can present them as malware findings rather than as
// vulnerabilities; callers that want vulnerabilities only filter on that flag.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "inventory/finding.h"
#include "inventory/package.h"
#include "vulndb/vulndb.h"
#include "vulndb/version/version_compare.h"

namespace moat {

// The OSV ecosystem holding the vendor's advisories for `os` ("Debian:12", "Alpine:v3.18",
// "Ubuntu:22.04:LTS", "AlmaLinux:9"), or nullopt when moat knows no vendor data for it.
std::optional<std::string> os_ecosystem(const OsInfo& os);

// The version order of a package's ecosystem, by its type; nullopt for types moat cannot judge.
std::optional<VersionScheme> version_scheme_for(const Package& package);

// The OSV ecosystem of an application package's registry ("npm", "PyPI", "Go", "crates.io",
// ...), or nullopt for OS packages and unknown types.
std::optional<std::string> language_ecosystem(const Package& package);

// Whether `version` falls in one OSV range; `fixed` receives the lowest fixed event above it.
bool version_in_range(VersionScheme scheme, std::string_view version, const AffectedRange& range,
                      std::string* fixed);

class Matcher {
public:
    explicit Matcher(const VulnDatabase& db) : db_(db) {}
    std::vector<VulnerabilityFinding> match(const std::vector<Package>& packages,
                                            const std::optional<OsInfo>& os) const;

private:
    const VulnDatabase& db_;
};

}  // namespace moat
