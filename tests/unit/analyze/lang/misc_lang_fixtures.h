// Test support for the Ruby, PHP and .NET readers: every analyzer of those families run over a
// fixture case, and the (name, version) set compared with the peer's expected.json, with dev
// flags and licenses where the peer asserts them.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../../support/dir_file_view.h"
#include "../../support/fixture_cases.h"
#include "analyze/lang/dotnet/deps_json.h"
#include "analyze/lang/dotnet/nuget_lock.h"
#include "analyze/lang/dotnet/packages_config.h"
#include "analyze/lang/php/composer.h"
#include "analyze/lang/ruby/gemfile_lock.h"
#include "analyze/lang/ruby/gemspec.h"

namespace moat::testing {

// What all Ruby, PHP and .NET analyzers find in `root` (as the scanner runs them together, so a
// file one of them reads must not produce packages from another).
inline std::vector<Package> misc_language_packages(const FileView& root,
                                                   std::vector<std::string>& warnings) {
    std::vector<std::unique_ptr<PackageAnalyzer>> analyzers;
    analyzers.push_back(std::make_unique<GemfileLockAnalyzer>());
    analyzers.push_back(std::make_unique<GemspecAnalyzer>());
    analyzers.push_back(std::make_unique<ComposerLockAnalyzer>());
    analyzers.push_back(std::make_unique<ComposerInstalledAnalyzer>());
    analyzers.push_back(std::make_unique<NugetLockAnalyzer>());
    analyzers.push_back(std::make_unique<PackagesConfigAnalyzer>());
    analyzers.push_back(std::make_unique<DepsJsonAnalyzer>());
    std::vector<Package> packages;
    for (const auto& analyzer : analyzers)
        for (auto& package : analyzer->analyze(root, {}, warnings))
            packages.push_back(std::move(package));
    return packages;
}

// The differences between expected.json and `got` ("" when they agree).
inline std::string language_package_mismatch(const nlohmann::json& expected,
                                             const std::vector<Package>& got,
                                             const std::string& purl_type) {
    std::string problems;
    std::map<std::pair<std::string, std::string>, const Package*> found;
    for (const auto& package : got) {
        if (package.type != purl_type)
            problems += " " + package.name + " has type " + package.type + ";";
        if (!found.emplace(std::pair{package.name, package.version}, &package).second)
            problems += " " + package.name + "@" + package.version + " reported twice;";
    }
    bool case_asserts_dev = false;
    for (const auto& want : expected["packages"]) case_asserts_dev |= want.contains("dev");
    for (const auto& want : expected["packages"]) {
        const std::string name = want.value("name", ""), version = want.value("version", "");
        const auto it = found.find({name, version});
        if (it == found.end()) {
            problems += " missing " + name + "@" + version + ";";
            continue;
        }
        const Package& package = *it->second;
        if (case_asserts_dev && package.dev != want.value("dev", false))
            problems += " " + name + " dev flag differs;";
        if (want.contains("licenses") &&
            package.licenses != want["licenses"].get<std::vector<std::string>>())
            problems += " " + name + " licenses differ;";
    }
    if (expected.value("complete", false) && got.size() != expected["packages"].size())
        problems += " found " + std::to_string(got.size()) + " packages, expected exactly " +
                    std::to_string(expected["packages"].size()) + ";";
    return problems;
}

// Runs every default case of `category` through all Ruby, PHP and .NET analyzers. Cases named
// in `peer_omits_dev` come from a peer that leaves development-only packages out where moat
// reports them with dev = true (following Trivy): they are compared without moat's dev packages.
inline void expect_misc_language_category_matches(
    const std::string& category, const std::string& purl_type,
    const std::set<std::string>& peer_omits_dev = {}) {
    expect_default_fixture_cases_match(
        category, [&](const std::filesystem::path& dir, const nlohmann::json& expected) {
            std::vector<std::string> warnings;
            const DirFileView root(dir / "input");
            auto packages = misc_language_packages(root, warnings);
            if (peer_omits_dev.contains(dir.filename().string()))
                std::erase_if(packages, [](const Package& package) { return package.dev; });
            std::string problems = language_package_mismatch(expected, packages, purl_type);
            for (const auto& warning : warnings) problems += " warning: " + warning + ";";
            return problems;
        });
}

}  // namespace moat::testing
