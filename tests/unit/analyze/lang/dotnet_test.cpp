#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../support/memory_file_view.h"
#include "analyze/lang/dotnet/deps_json.h"
#include "analyze/lang/dotnet/nuget_lock.h"
#include "analyze/lang/dotnet/packages_config.h"
#include "analyze/lang/lock_text.h"
#include "misc_lang_fixtures.h"

namespace moat {
namespace {

TEST(DotnetFixtures, EveryDefaultNugetCaseMatchesThePeer) {
    testing::expect_misc_language_category_matches("nuget", "nuget");
}

TEST(DotnetFixtures, EveryDefaultDepsJsonCaseMatchesThePeer) {
    testing::expect_misc_language_category_matches("dotnet-deps", "nuget");
}

std::vector<std::string> describe(const std::vector<Package>& packages) {
    std::vector<std::string> out;
    for (const auto& package : packages)
        out.push_back(package.name + "@" + package.version + (package.dev ? " dev" : ""));
    return out;
}

// ---------------------------------------------------------------------------------------------
// packages.lock.json

TEST(NugetLock, EveryFrameworkOncePerNameAndVersion) {
    std::vector<std::string> warnings;
    const auto packages = parse_nuget_lock(R"json({
        "version": 2,
        "dependencies": {
            "net6.0": {
                "Serilog": {"type": "Direct", "requested": "[3.0.1, )", "resolved": "3.0.1",
                            "contentHash": "E7s4...", "dependencies": {"System.Memory": "4.5.5"}},
                "System.Memory": {"type": "CentralTransitive", "requested": "[4.5.5, )", "resolved": "4.5.5"},
                "My.Library": {"type": "Project", "dependencies": {"Serilog": "[3.0.1, )"}}
            },
            "net6.0/linux-x64": {
                "Serilog": {"type": "Direct", "resolved": "3.0.1"}
            },
            "net48": {
                "Serilog": {"type": "Direct", "resolved": "2.12.0"},
                "Broken": {"type": "Transitive"}
            }
        }
    })json",
                                           warnings);
    EXPECT_EQ(describe(packages),
              (std::vector<std::string>{"Serilog@2.12.0", "Serilog@3.0.1", "System.Memory@4.5.5"}));
    EXPECT_EQ(packages[0].type, "nuget");
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0], "net48 Broken: no resolved version; skipped");
}

TEST(NugetLock, NotALockFile) {
    std::vector<std::string> warnings;
    EXPECT_TRUE(parse_nuget_lock(R"({"version": 1})", warnings).empty());
    EXPECT_TRUE(parse_nuget_lock(R"({"dependencies": []})", warnings).empty());
    EXPECT_TRUE(
        parse_nuget_lock(R"({"dependencies": {"net6.0": [1], "net7.0": {"A": 5}}})", warnings)
            .empty());
    EXPECT_TRUE(parse_nuget_lock("", warnings).empty());
    EXPECT_EQ(warnings.size(), 4u);
}

// ---------------------------------------------------------------------------------------------
// packages.config

TEST(PackagesConfig, ElementsAttributesAndDevelopmentDependencies) {
    std::vector<std::string> warnings;
    const auto packages = parse_packages_config(R"(<?xml version="1.0" encoding="utf-8"?>
<!-- <package id="Commented.Out" version="1.0.0" /> -->
<packages>
  <package id="Newtonsoft.Json" version="12.0.3" targetFramework="net472" />
  <package
      version='2.0.8'
      id='log4net' targetFramework="net45"/>
  <package id="Microsoft.CodeDom.Providers.DotNetCompilerPlatform" version="2.0.1" targetFramework="net472" developmentDependency="true" />
  <package id="A&amp;B" version="1.0.0&#x2D;beta" />
  <package id="Newtonsoft.Json" version="12.0.3" targetFramework="net48" />
  <packageSource id="not.a.package" version="1" />
  <![CDATA[ <package id="In.Cdata" version="1" /> ]]>
  <package id="NoVersion" />
  <package id="Unterminated version="1" />
</packages>
)",
                                                warnings);
    EXPECT_EQ(
        describe(packages),
        (std::vector<std::string>{"Newtonsoft.Json@12.0.3", "log4net@2.0.8",
                                  "Microsoft.CodeDom.Providers.DotNetCompilerPlatform@2.0.1 dev",
                                  "A&B@1.0.0-beta"}));
    EXPECT_EQ(packages[0].type, "nuget");
    EXPECT_EQ(warnings.size(), 2u);
}

TEST(PackagesConfig, Utf16WithByteOrderMark) {
    const std::string utf8 = "<packages><package id=\"jQuery\" version=\"3.4.1\" /></packages>";
    std::string utf16 = "\xFF\xFE";
    for (const char c : utf8) {
        utf16.push_back(c);
        utf16.push_back('\0');
    }
    const testing::MemoryFileView root({{"inetpub/wwwroot/packages.config", utf16}});
    std::vector<std::string> warnings;
    const auto packages = PackagesConfigAnalyzer().analyze(root, {}, warnings);
    EXPECT_EQ(describe(packages), std::vector<std::string>{"jQuery@3.4.1"});
    EXPECT_EQ(packages[0].path, "inetpub/wwwroot/packages.config");
    EXPECT_TRUE(warnings.empty());
}

TEST(PackagesConfig, TruncatedInputNeverCrashes) {
    const std::string whole =
        "<?xml version=\"1.0\"?><packages><!-- c --><package id=\"a\" version=\"1&#65;\"/>"
        "<package id='b' version='2' developmentDependency='true'></package></packages>";
    for (size_t cut = 0; cut <= whole.size(); ++cut) {
        std::vector<std::string> warnings;
        parse_packages_config(whole.substr(0, cut), warnings);
    }
    std::vector<std::string> warnings;
    EXPECT_EQ(describe(parse_packages_config(whole, warnings)),
              (std::vector<std::string>{"a@1A", "b@2 dev"}));
}

// ---------------------------------------------------------------------------------------------
// .deps.json

TEST(DepsJson, RuntimeAssetsDecideWhatIsLoaded) {
    std::vector<std::string> warnings;
    const auto packages = parse_deps_json(R"({
        "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0/linux-x64", "signature": ""},
        "targets": {
            ".NETCoreApp,Version=v8.0": {
                "Only.Other.Target/1.0.0": {}
            },
            ".NETCoreApp,Version=v8.0/linux-x64": {
                "App/1.0.0": {"dependencies": {"Lib": "1.0.0"}, "runtime": {"App.dll": {}}},
                "Lib/1.0.0": {"runtime": {}},
                "Native.Only/2.0.0": {"native": {"runtimes/linux-x64/native/libx.so": {"fileVersion": "0.0.0.0"}}},
                "Reference.Only/4.0.0": {"compile": {"ref/Reference.Only.dll": {}}},
                "Null.Runtime/1.0.0": {"runtime": null},
                "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.1": {"runtime": {"System.Private.CoreLib.dll": {}}}
            }
        },
        "libraries": {
            "App/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
            "Lib/1.0.0": {"type": "Package", "serviceable": true, "sha512": "sha512-abc"},
            "Native.Only/2.0.0": {"type": "package"},
            "Reference.Only/4.0.0": {"type": "package"},
            "Null.Runtime/1.0.0": {"type": "package"},
            "Not.In.Target/3.0.0": {"type": "package"},
            "Only.Other.Target/1.0.0": {"type": "package"},
            "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.1": {"type": "runtimepack"},
            "Some.Reference/1.0.0": {"type": "reference"},
            "NoVersion": {"type": "package"}
        }
    })",
                                          warnings);
    EXPECT_EQ(describe(packages),
              (std::vector<std::string>{"App@1.0.0", "Lib@1.0.0", "Native.Only@2.0.0",
                                        "Not.In.Target@3.0.0", "Only.Other.Target@1.0.0",
                                        "Microsoft.NETCore.App.Runtime.linux-x64@8.0.1"}));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0], "library \"NoVersion\" is not name/version; skipped");
}

TEST(DepsJson, WithoutTheRuntimeTargetEveryLibraryCounts) {
    std::vector<std::string> warnings;
    const auto packages = parse_deps_json(R"({
        "runtimeTarget": {"name": "missing"},
        "targets": {"other": {"A/1.0.0": {}}},
        "libraries": {"A/1.0.0": {"type": "package"}, "B/2.0.0": {"type": "package"}}
    })",
                                          warnings);
    EXPECT_EQ(describe(packages), (std::vector<std::string>{"A@1.0.0", "B@2.0.0"}));
    EXPECT_TRUE(parse_deps_json(
                    R"({"runtimeTarget": 5, "libraries": {"A/1": {"type": "package"}}})", warnings)
                    .size() == 1);
    EXPECT_TRUE(warnings.empty());
    EXPECT_TRUE(parse_deps_json(R"({"targets": {}})", warnings).empty());
    EXPECT_TRUE(parse_deps_json(R"({"libraries": {"A/1": )", warnings).empty());
    EXPECT_EQ(warnings.size(), 2u);
}

TEST(DepsJsonAnalyzer, EveryDepsJsonFile) {
    const std::string deps = R"({"libraries": {"A/1.0.0": {"type": "package"}}})";
    const testing::MemoryFileView root({{"app/MyApp.deps.json", deps},
                                        {"app/MyApp.runtimeconfig.json", deps},
                                        {"x.deps.json.bak", deps}});
    std::vector<std::string> warnings;
    const auto packages = DepsJsonAnalyzer().analyze(root, {}, warnings);
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].path, "app/MyApp.deps.json");
}

// ---------------------------------------------------------------------------------------------
// Text decoding shared by the readers

TEST(LockText, ByteOrderMarks) {
    EXPECT_EQ(decode_lock_text("\xEF\xBB\xBF{}"), "{}");
    EXPECT_EQ(decode_lock_text(std::string("\xFF\xFE{\0\xE9\0}\0", 8)), "{\xC3\xA9}");
    EXPECT_EQ(decode_lock_text(std::string("\xFE\xFF\0{\xD8\x3D\xDE\x00\0}", 10)),
              "{\xF0\x9F\x98\x80}");
    EXPECT_EQ(decode_lock_text(std::string("\xFF\xFE\x3D\xD8x", 5)),
              "\xEF\xBF\xBD");  // lone surrogate, odd byte
    EXPECT_EQ(decode_lock_text("plain"), "plain");
}

}  // namespace
}  // namespace moat
