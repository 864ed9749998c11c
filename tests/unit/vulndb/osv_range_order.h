// A property of real advisories for the language version schemes: in every ECOSYSTEM or
// SEMVER range of an OSV all.zip, each "introduced" version sorts before the "fixed" version
// that follows it. A violation is either a bug in the scheme or an error in the data; the
// tests list the known data errors by name.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "test_support/osv_zip.h"
#include "vulndb/version/version_compare.h"

namespace moat::test_support {

struct RangeOrderReport {
    size_t pairs = 0;                     // (introduced, fixed) pairs checked
    size_t versions = 0;                  // versions named (events other than "0", and lists)
    std::vector<std::string> violations;  // "<id> <package>: <introduced> !< <fixed>"
    std::vector<std::string> invalid;     // "<id> <package>: invalid <version>"
};

// Pairs each non-zero "introduced" with the next "fixed" of the same range, in record order.
inline RangeOrderReport check_range_order(const std::filesystem::path& zip, VersionScheme scheme) {
    RangeOrderReport report;
    std::string error;
    bool opened = for_each_osv_record(
        zip,
        [&](const nlohmann::json& record) {
            const std::string id = record.value("id", std::string());
            for (const auto& affected : record.value("affected", nlohmann::json::array())) {
                std::string package;
                if (auto it = affected.find("package"); it != affected.end() && it->is_object())
                    package = it->value("name", std::string());
                // Range bounds must be versions of the scheme. Listed versions are counted
                // only: registries still hold versions their current rules refuse (PyPI's
                // pre-PEP 440 "0.9-doduo"), and an equality test needs no order.
                auto note = [&](const std::string& version) {
                    ++report.versions;
                    if (!is_valid_version(scheme, version))
                        report.invalid.push_back(id + " " + package + ": invalid " + version);
                };
                for (const auto& version : affected.value("versions", nlohmann::json::array()))
                    report.versions += version.is_string();
                for (const auto& range : affected.value("ranges", nlohmann::json::array())) {
                    const std::string type = range.value("type", std::string());
                    if (type != "ECOSYSTEM" && type != "SEMVER") continue;
                    for (const auto& event : range.value("events", nlohmann::json::array()))
                        for (const auto& [kind, version] : event.items())
                            if (version.is_string() && version != "0") note(version.get<std::string>());
                    std::string introduced;
                    for (const auto& event : range.value("events", nlohmann::json::array())) {
                        if (auto it = event.find("introduced"); it != event.end() && it->is_string()) {
                            introduced = it->get<std::string>() == "0" ? "" : it->get<std::string>();
                            continue;
                        }
                        auto it = event.find("fixed");
                        if (it == event.end() || !it->is_string() || introduced.empty()) continue;
                        const std::string fixed = it->get<std::string>();
                        ++report.pairs;
                        if (compare_versions(scheme, introduced, fixed) >= 0)
                            report.violations.push_back(id + " " + package + ": " + introduced + " !< " + fixed);
                        introduced.clear();
                    }
                }
            }
        },
        &error);
    EXPECT_TRUE(opened) << zip << ": " << error;
    return report;
}

// Runs the check and expects exactly the listed violations and invalid versions (known data
// errors, in the report's wording).
inline void expect_range_order(const std::string& ecosystem, VersionScheme scheme,
                               const std::set<std::string>& known_data_errors, size_t min_pairs,
                               size_t min_versions = 1) {
    const std::filesystem::path zip = std::filesystem::path(MOAT_SHARED_DIR) / "vulndb" / ecosystem / "all.zip";
    if (!std::filesystem::exists(zip)) GTEST_SKIP() << "no " << zip;
    RangeOrderReport report = check_range_order(zip, scheme);
    std::cout << "[ range order ] " << ecosystem << ": " << report.pairs << " introduced/fixed pairs, "
              << report.violations.size() << " violations; " << report.versions << " versions, "
              << report.invalid.size() << " invalid\n";
    EXPECT_GE(report.pairs, min_pairs);
    EXPECT_GE(report.versions, min_versions);
    std::set<std::string> found(report.violations.begin(), report.violations.end());
    found.insert(report.invalid.begin(), report.invalid.end());
    for (const auto& violation : found)
        EXPECT_TRUE(known_data_errors.count(violation)) << "unexpected: " << violation;
    for (const auto& known : known_data_errors)
        EXPECT_TRUE(found.count(known)) << "no longer found: " << known;
}

}  // namespace moat::test_support
