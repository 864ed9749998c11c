// The text files inside a Java archive that name what it is: META-INF/MANIFEST.MF,
// Maven's pom.properties and pom.xml, license files; and the archive's own file name.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace moat::java {

// Maven coordinates, as pom.properties states them or as guessed from a manifest or file name.
struct Coordinates {
    std::string group_id, artifact_id, version;
    bool complete() const { return !group_id.empty() && !artifact_id.empty() && !version.empty(); }
};

// The main section of a manifest: attribute names lower-cased (they are case-insensitive),
// continuation lines (starting with one space) joined, the first value of a name kept.
std::map<std::string, std::string> parse_manifest(std::string_view text);

// What a manifest says about its archive, the way Trivy reads it offline: group from
// Implementation-Vendor-Id, else Bundle-SymbolicName without its last dot part, else the
// vendor names; artifact from Implementation-Title, Specification-Title, Bundle-Name; version
// from Implementation-Version, Specification-Version, Bundle-Version. A Jenkins plugin's own
// Group-Id / Short-Name / Plugin-Version come first when all three are there.
// `vendor_guess` is set when the group is a vendor's display name rather than an id.
struct ManifestIdentity {
    Coordinates coordinates;
    bool vendor_guess = false;
    std::vector<std::string> licenses;  // Jenkins Plugin-License-Name, -2, -3, ...
};
ManifestIdentity manifest_identity(const std::map<std::string, std::string>& manifest);

// groupId, artifactId and version of a pom.properties file (Java properties syntax).
Coordinates parse_pom_properties(std::string_view text);

// The <name> of each <license> in a pom.xml's <licenses> block (comments ignored, XML
// entities decoded), in order.
std::vector<std::string> pom_license_names(std::string_view pom_xml);

// Whether an archive entry is a license file the archive ships for itself: LICENSE / LICENCE
// (any extension, any case) at the root or in META-INF/.
bool is_license_file(std::string_view entry_path);

// The SPDX id of a well-known license text (Apache-2.0, MIT, EPL, BSD, LGPL, GPL), or "".
std::string classify_license_text(std::string_view text);

// artifactId and version from an archive file name "commons-lang3-3.11.jar": the version
// starts after the first '-' followed by a digit. Empty fields when the name has no version.
Coordinates coordinates_from_file_name(std::string_view file_name);

}  // namespace moat::java
