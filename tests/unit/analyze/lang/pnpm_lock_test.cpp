#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "../../support/dir_file_view.h"
#include "../../support/fixture_cases.h"
#include "analyze/lang/javascript/pnpm_lock.h"

namespace moat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// name@version -> dev
using Found = std::map<std::pair<std::string, std::string>, bool>;

Found found(const std::vector<Package>& packages) {
    Found out;
    for (const auto& package : packages) out[{package.name, package.version}] = package.dev;
    return out;
}

Found parse(std::string_view text) {
    std::vector<std::string> warnings;
    return found(parse_pnpm_lock(text, warnings));
}

// ---------------------------------------------------------------------------------------------
// Every case in shared/fixtures/pnpm, found at run time. The peer may list one name@version
// twice (two peer-dependency variants); it is one package, dev only when every listing is.

TEST(PnpmLockFixtures, EveryDefaultCaseMatchesThePeer) {
    testing::expect_default_fixture_cases_match(
        "pnpm", [](const fs::path& dir, const json& expected) {
            std::vector<std::string> warnings;
            const auto got =
                PnpmLockAnalyzer().analyze(testing::DirFileView(dir / "input"), {}, warnings);
            Found want;
            for (const auto& package : expected["packages"]) {
                const std::pair<std::string, std::string> key{package.value("name", ""),
                                                              package.value("version", "")};
                const bool dev = package.value("dev", false);
                want[key] = want.contains(key) ? want[key] && dev : dev;
            }
            const auto have = found(got);
            std::string problems;
            for (const auto& [key, dev] : want) {
                const auto it = have.find(key);
                if (it == have.end())
                    problems += " missing " + key.first + "@" + key.second + ";";
                else if (it->second != dev)
                    problems += " " + key.first + "@" + key.second + " dev differs;";
            }
            for (const auto& [key, dev] : have)
                if (!want.contains(key) && expected.value("complete", false))
                    problems += " unexpected " + key.first + "@" + key.second + ";";
            if (have.size() != got.size()) problems += " a name@version reported twice;";
            for (const auto& package : got)
                if (package.type != "npm" || package.path != "pnpm-lock.yaml")
                    problems += " " + package.name + " type/path wrong;";
            return problems;
        });
}

// ---------------------------------------------------------------------------------------------
// lockfileVersion 5.x and 6.x

TEST(PnpmLockV5, SlashKeysLoseTheirPeerSuffixAndDevPackagesAreLeftOut) {
    const auto packages = parse(
        "lockfileVersion: 5.4\n\n"
        "specifiers:\n  acorn: ^8.8.0\n\n"
        "packages:\n\n"
        "  /acorn-jsx/5.3.2_acorn@8.8.0:\n"
        "    resolution: {integrity: sha512-rq9s}\n"
        "    peerDependencies:\n      acorn: ^6.0.0 || ^7.0.0 || ^8.0.0\n"
        "    dev: false\n\n"
        "  /@babel/runtime/7.18.3:\n"
        "    resolution: {integrity: sha512-38Y8}\n\n"
        "  /@testing-library/react/13.4.0_biqbaboplfbrettd7655fr4n2y:\n"
        "    resolution: {integrity: sha512-x}\n\n"
        "  /mocha/10.0.0:\n"
        "    resolution: {integrity: sha512-y}\n"
        "    dev: true\n");
    EXPECT_EQ(packages, (Found{{{"acorn-jsx", "5.3.2"}, false},
                               {{"@babel/runtime", "7.18.3"}, false},
                               {{"@testing-library/react", "13.4.0"}, false}}));
}

TEST(PnpmLockV6, AtKeysLoseTheirPeersAndTarballEntriesUseTheirOwnFields) {
    const auto packages = parse(
        "lockfileVersion: '6.0'\n\n"
        "packages:\n"
        "  /@testing-library/react@13.4.0(react-dom@18.2.0)(react@18.2.0):\n"
        "    resolution: {integrity: sha512-sXOG}\n"
        "    dev: false\n\n"
        "  '@github.com/debug-js/debug/tarball/4.3.4':\n"
        "    resolution: {tarball: https://github.com/debug-js/debug/tarball/4.3.4}\n"
        "    name: debug\n"
        "    version: 4.3.4\n"
        "    dev: false\n\n"
        "  file:package1:\n"
        "    resolution: {directory: package1, type: directory}\n"
        "    name: package1\n"
        "    version: 1.0.0\n\n"
        "  /jest@29.0.0:\n"
        "    resolution: {integrity: sha512-z}\n"
        "    dev: true\n");
    EXPECT_EQ(packages, (Found{{{"@testing-library/react", "13.4.0"}, false},
                               {{"debug", "4.3.4"}, false},
                               {{"package1", "1.0.0"}, false}}));
}

TEST(PnpmLockV6, ProductionDependenciesMissingFromPackagesAreStillReported) {
    // A trimmed lock: the project pins `nanoid` and `left` but their entries are gone; the dev
    // dependency and the workspace link stay out.
    EXPECT_EQ(parse("lockfileVersion: 5.4\n"
                    "dependencies:\n  nanoid: 3.3.4\n  react-dom: 18.2.0_react@18.2.0\n"
                    "  sibling: link:../sibling\n"
                    "devDependencies:\n  c8: 7.12.0\n"
                    "packages:\n  /react-dom/18.2.0_react@18.2.0:\n    dev: false\n"),
              (Found{{{"nanoid", "3.3.4"}, false}, {{"react-dom", "18.2.0"}, false}}));
    EXPECT_EQ(parse("lockfileVersion: '6.0'\n"
                    "importers:\n  packages/a:\n    dependencies:\n      left:\n"
                    "        specifier: ^1.0.0\n        version: 1.0.1(peer@2.0.0)\n"
                    "packages:\n  /other@1.0.0:\n    dev: true\n"),
              (Found{{{"left", "1.0.1"}, false}}));
}

// ---------------------------------------------------------------------------------------------
// lockfileVersion 9.x

constexpr std::string_view kV9 =
    "lockfileVersion: '9.0'\n\n"
    "importers:\n\n"
    "  .:\n"
    "    dependencies:\n"
    "      jest-config:\n"
    "        specifier: 30.0.3\n"
    "        version: 30.0.3(@types/node@24.0.7)\n"
    "      app-lib:\n"
    "        specifier: workspace:*\n"
    "        version: link:packages/lib\n"
    "    devDependencies:\n"
    "      jest-runner:\n"
    "        specifier: 27.5.1\n"
    "        version: 27.5.1\n"
    "      ms:\n"
    "        specifier: 2.0.0\n"
    "        version: 2.0.0\n\n"
    "packages:\n\n"
    "  jest-config@30.0.3:\n    resolution: {integrity: sha512-a}\n\n"
    "  jest-pnp-resolver@1.2.3:\n    resolution: {integrity: sha512-b}\n\n"
    "  jest-runner@27.5.1:\n    resolution: {integrity: sha512-c}\n\n"
    "  ms@2.0.0:\n    resolution: {integrity: sha512-d}\n\n"
    "  strip-ansi@6.0.1:\n    resolution: {integrity: sha512-e}\n\n"
    "  local@file:local:\n    resolution: {directory: local, type: directory}\n\n"
    "snapshots:\n\n"
    "  jest-config@30.0.3(@types/node@24.0.7):\n"
    "    dependencies:\n"
    "      jest-pnp-resolver: 1.2.3(jest-resolve@30.0.2)\n"
    "      ms: 2.0.0\n"
    "      strip-ansi-cjs: strip-ansi@6.0.1\n\n"
    "  jest-pnp-resolver@1.2.3(jest-resolve@27.5.1): {}\n\n"
    "  jest-pnp-resolver@1.2.3(jest-resolve@30.0.2): {}\n\n"
    "  jest-runner@27.5.1:\n"
    "    dependencies:\n"
    "      jest-pnp-resolver: 1.2.3(jest-resolve@27.5.1)\n\n"
    "  ms@2.0.0: {}\n\n"
    "  strip-ansi@6.0.1: {}\n\n"
    "  local@file:local: {}\n";

TEST(PnpmLockV9, DevIsWhatOnlyDevDependenciesReach) {
    EXPECT_EQ(parse(kV9), (Found{{{"jest-config", "30.0.3"}, false},
                                 // reached from jest-runner (dev) and jest-config (not dev)
                                 {{"jest-pnp-resolver", "1.2.3"}, false},
                                 {{"jest-runner", "27.5.1"}, true},
                                 // a devDependency that a production package needs too
                                 {{"ms", "2.0.0"}, false},
                                 // through an alias "strip-ansi-cjs: strip-ansi@6.0.1"
                                 {{"strip-ansi", "6.0.1"}, false},
                                 // a directory without a version of its own
                                 {{"local", ""}, false}}));
}

TEST(PnpmLockV9, CyclesEnd) {
    EXPECT_EQ(parse("lockfileVersion: '9.0'\n"
                    "importers:\n  .:\n    devDependencies:\n      a:\n        version: 1.0.0\n"
                    "packages:\n  a@1.0.0: {}\n  b@1.0.0: {}\n"
                    "snapshots:\n"
                    "  a@1.0.0:\n    dependencies:\n      b: 1.0.0\n"
                    "  b@1.0.0:\n    dependencies:\n      a: 1.0.0\n"),
              (Found{{{"a", "1.0.0"}, true}, {{"b", "1.0.0"}, true}}));
}

TEST(PnpmLockV9, ThePnpmEnvDocumentIsNotTheProject) {
    const auto packages = parse(
        "lockfileVersion: '9.0'\n\n"
        "importers:\n\n  .:\n    configDependencies: {}\n    packageManagerDependencies:\n"
        "      pnpm:\n        specifier: ^11.7.0\n        version: 11.9.0\n\n"
        "packages:\n\n  pnpm@11.9.0:\n    resolution: {integrity: sha512-x}\n\n"
        "snapshots:\n\n  pnpm@11.9.0: {}\n\n"
        "---\n"
        "lockfileVersion: '9.0'\n\n"
        "importers:\n\n  .:\n    dependencies:\n      is-number:\n        specifier: 7.0.0\n"
        "        version: 7.0.0\n\n"
        "packages:\n\n  is-number@7.0.0:\n    resolution: {integrity: sha512-y}\n\n"
        "snapshots:\n\n");
    EXPECT_EQ(packages, (Found{{{"is-number", "7.0.0"}, false}}));
}

TEST(PnpmLock, EveryProjectDocumentIsRead) {
    EXPECT_EQ(parse("---\nlockfileVersion: '6.0'\npackages:\n  /a@1.0.0:\n    dev: false\n"
                    "---\nlockfileVersion: '6.0'\npackages:\n  /b@2.0.0:\n    dev: false\n...\n"),
              (Found{{{"a", "1.0.0"}, false}, {{"b", "2.0.0"}, false}}));
}

TEST(PnpmLock, AMissingLockfileVersionIsGuessedWithAWarning) {
    std::vector<std::string> warnings;
    const auto packages = found(parse_pnpm_lock("packages:\n  /a/1.0.0:\n    dev: false\n", warnings));
    EXPECT_EQ(packages, (Found{{{"a", "1.0.0"}, false}}));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("lockfileVersion"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Hostile input

TEST(PnpmLockHostile, DeepNestingIsCutWithAWarningInsteadOfRecursing) {
    std::string text = "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0:\n";
    for (int depth = 2; depth < 2000; ++depth) text += std::string(depth * 2, ' ') + "k:\n";
    text += "  /b@2.0.0:\n    dev: false\n";
    std::vector<std::string> warnings;
    const auto packages = found(parse_pnpm_lock(text, warnings));
    EXPECT_EQ(packages, (Found{{{"a", "1.0.0"}, false}, {{"b", "2.0.0"}, false}}));
    EXPECT_FALSE(warnings.empty());
    EXPECT_LE(warnings.size(), 30u);
}

TEST(PnpmLockHostile, GarbageKeysAreSkippedAndWarningsStayFew) {
    std::string text = "lockfileVersion: '9.0'\npackages:\n";
    for (int i = 0; i < 5000; ++i) text += "  nonsense" + std::to_string(i) + ": {}\n";
    std::vector<std::string> warnings;
    EXPECT_TRUE(parse_pnpm_lock(text, warnings).empty());
    EXPECT_LE(warnings.size(), 21u);
}

TEST(PnpmLockAnalyzerTest, FindsLockFilesAnywhereAndBoundsTheirSize) {
    const auto interest = PnpmLockAnalyzer().interest();
    EXPECT_EQ(interest.exact, std::vector<std::string>{"pnpm-lock.yaml"});
    EXPECT_EQ(interest.suffixes, std::vector<std::string>{"/pnpm-lock.yaml"});
    EXPECT_LE(interest.max_bytes, 64ull << 20);

    testing::MemoryFileView view(
        std::map<std::string, std::string>{{"srv/app/pnpm-lock.yaml", "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0: {}\n"}},
        "sha256:abc");
    std::vector<std::string> warnings;
    const auto packages = PnpmLockAnalyzer().analyze(view, {}, warnings);
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].path, "srv/app/pnpm-lock.yaml");
    EXPECT_EQ(packages[0].layer, "sha256:abc");
    EXPECT_EQ(packages[0].type, "npm");
}

}  // namespace
}  // namespace moat
