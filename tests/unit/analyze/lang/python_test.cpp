#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "../../support/dir_file_view.h"
#include "../../support/fixture_cases.h"
#include "../../support/memory_file_view.h"
#include "analyze/lang/python/installed_metadata.h"
#include "analyze/lang/python/pipfile_lock.h"
#include "analyze/lang/python/python_egg.h"
#include "analyze/lang/python/python_analyzers.h"
#include "analyze/lang/python/python_text.h"
#include "analyze/lang/python/requirements_txt.h"
#include "analyze/lang/python/toml_locks.h"

namespace moat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<Package> analyze_all(const FileView& files, std::vector<std::string>& warnings) {
    std::vector<Package> packages;
    for (const auto& analyzer : python_package_analyzers()) {
        auto found = analyzer->analyze(files, {}, warnings);
        std::move(found.begin(), found.end(), std::back_inserter(packages));
    }
    return packages;
}

std::map<std::string, std::string> by_name(const std::vector<Package>& packages) {
    std::map<std::string, std::string> versions;
    for (const auto& package : packages) versions[package.name] = package.version;
    return versions;
}

const Package* find(const std::vector<Package>& packages, std::string_view name) {
    for (const auto& package : packages)
        if (package.name == name) return &package;
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Every default case of the Python fixture categories, run through all Python analyzers.

// Trivy's analyzer classifies the text of a License-File (typing_extensions' LICENSE.txt ->
// Python-2.0, BeOpen, ...); moat reports the file reference the metadata gives instead.
const std::set<std::string> kClassifiedLicenseFileCases = {"trivy-analyzer-dist-info-license-file"};

std::string mismatch(const fs::path& dir, const json& expected, const std::vector<Package>& got) {
    std::map<std::pair<std::string, std::string>, const Package*> found;
    for (const auto& package : got) found[{package.name, package.version}] = &package;
    const bool trivy = expected.value("peer", "") == "trivy";
    std::string problems;
    for (const auto& want : expected["packages"]) {
        const std::string name = want.value("name", ""), version = want.value("version", "");
        const auto it = found.find({name, version});
        if (it == found.end()) {
            problems += " missing " + name + "@" + version + ";";
            continue;
        }
        const Package& package = *it->second;
        if (package.type != "pypi") problems += " " + name + " type is " + package.type + ";";
        if (want.contains("licenses") && !kClassifiedLicenseFileCases.count(dir.filename().string()) &&
            package.licenses != want["licenses"].get<std::vector<std::string>>())
            problems += " " + name + " licenses differ;";
        // Trivy leaves `dev` out when false; Syft does not assert it.
        if ((trivy || want.contains("dev")) && package.dev != want.value("dev", false))
            problems += " " + name + " dev flag differs;";
        if (want.contains("file_path") && package.path != want["file_path"].get<std::string>())
            problems += " " + name + " path " + package.path + ";";
    }
    if (expected.value("complete", false) && got.size() != expected["packages"].size())
        problems += " found " + std::to_string(got.size()) + " packages, expected exactly " +
                    std::to_string(expected["packages"].size()) + ";";
    return problems;
}

void expect_category_matches(const std::string& category) {
    testing::expect_default_fixture_cases_match(category, [](const fs::path& dir, const json& expected) {
        std::vector<std::string> warnings;
        return mismatch(dir, expected, analyze_all(testing::DirFileView(dir / "input"), warnings));
    });
}

TEST(PythonFixtures, InstalledMetadataCasesMatchThePeer) { expect_category_matches("python-pkg"); }
TEST(PythonFixtures, RequirementsCasesMatchThePeer) { expect_category_matches("pip"); }
TEST(PythonFixtures, PipfileLockCasesMatchThePeer) { expect_category_matches("pipenv"); }
TEST(PythonFixtures, PoetryLockCasesMatchThePeer) { expect_category_matches("poetry"); }

// ---------------------------------------------------------------------------------------------
// Core metadata (METADATA / PKG-INFO)

std::optional<Package> metadata(std::string_view text) {
    std::vector<std::string> warnings;
    return parse_python_metadata(text, warnings);
}

TEST(PythonMetadata, ReadsNameVersionAndTrimsThem) {
    const auto package = metadata("Metadata-Version: 2.1\r\nName: simple \r\nVersion: 0.1.0\r\n");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->type, "pypi");
    EXPECT_EQ(package->name, "simple");
    EXPECT_EQ(package->version, "0.1.0");
    EXPECT_TRUE(package->licenses.empty());
}

TEST(PythonMetadata, HeadersEndAtTheFirstBlankLine) {
    // The classifier sits in the description, so the License field is what counts.
    const auto package = metadata(
        "Name: distlib\nVersion: 0.3.1\nLicense: Python license\nDescription: text\n\n"
        "Classifier: License :: OSI Approved :: Python Software Foundation License\nVersion: 9\n");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->version, "0.3.1");
    EXPECT_EQ(package->licenses, std::vector<std::string>{"Python license"});
}

TEST(PythonMetadata, LicensePrecedence) {
    // License-Expression first.
    EXPECT_EQ(metadata("Name: a\nVersion: 1\nLicense: BSD\nLicense-Expression: MIT OR Apache-2.0\n"
                       "Classifier: License :: OSI Approved :: MIT License\n")
                  ->licenses,
              std::vector<std::string>{"MIT OR Apache-2.0"});
    // Then every license classifier (a bare "OSI Approved" names none), before License.
    EXPECT_EQ(metadata("Name: a\nVersion: 1\nLicense: BSD\nClassifier: License :: OSI Approved\n"
                       "Classifier: License :: OSI Approved :: MIT License\n"
                       "Classifier: Programming Language :: Python\n"
                       "Classifier: License :: Public Domain\n")
                  ->licenses,
              (std::vector<std::string>{"MIT License", "Public Domain"}));
    EXPECT_EQ(metadata("Name: a\nVersion: 1\nLicense: Eclipse Public License v2.0\n"
                       "Classifier: License :: OSI Approved\n")
                  ->licenses,
              std::vector<std::string>{"Eclipse Public License v2.0"});
    // Last, the license file's name.
    EXPECT_EQ(metadata("Name: a\nVersion: 1\nLicense-File: LICENSE.txt\nLicense-File: NOTICE\n")->licenses,
              std::vector<std::string>{"file://LICENSE.txt"});
}

TEST(PythonMetadata, KeysAreCaseInsensitiveAndFoldedLinesJoin) {
    const auto package = metadata("name: A\nVERSION: 2.0\nLicense: GNU GPL\n        version 3\n");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->name, "A");
    EXPECT_EQ(package->licenses, std::vector<std::string>{"GNU GPL version 3"});
}

TEST(PythonMetadata, NonUtf8BytesAreReplacedNotFatal) {
    const auto package = metadata(
        "Metadata-Version: 1.1\nName: Unidecode\nVersion: 0.4.1\nAuthor: Tomaz \xc5\xa0olc\n"
        "License: Lizenz \xe4\xf6\nDescription: \x01\x02\xff\xfe broken \x80\n\twrapped\n");
    ASSERT_TRUE(package);
    EXPECT_EQ(package->name, "Unidecode");
    EXPECT_EQ(package->licenses, std::vector<std::string>{"Lizenz \xEF\xBF\xBD\xEF\xBF\xBD"});
}

TEST(PythonMetadata, WithoutNameOrVersionIsAWarning) {
    std::vector<std::string> warnings;
    EXPECT_FALSE(parse_python_metadata("Name: a\nSummary: no version\n", warnings));
    EXPECT_FALSE(parse_python_metadata("\nName: a\nVersion: 1\n", warnings));  // body only
    EXPECT_FALSE(parse_python_metadata("\x7f" "ELF\x02\x01\x01\0\0\0binary junk", warnings));
    EXPECT_EQ(warnings.size(), 3u);
}

TEST(PythonMetadata, TruncatedAndJunkInputNeverCrashes) {
    const std::string whole =
        "Metadata-Version: 2.1\nName: pyphen\nVersion: 0.14.0\n"
        "Classifier: License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)\n"
        "License-File: LICENSE\n\nbody\n";
    for (size_t cut = 0; cut <= whole.size(); ++cut) metadata(whole.substr(0, cut));
    EXPECT_EQ(metadata(whole.substr(0, whole.find("Classifier")))->version, "0.14.0");
    std::string junk;
    for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919) & 0xFF);
    metadata(junk);
    EXPECT_FALSE(metadata(std::string(1 << 20, ':')));
}

// ---------------------------------------------------------------------------------------------
// requirements.txt

std::map<std::string, std::string> requirements(std::string_view text) {
    std::vector<std::string> warnings;
    return by_name(parse_requirements_txt(text, warnings));
}

TEST(PipRequirements, OnlyExactPinsCount) {
    EXPECT_EQ(requirements("keyring >= 4.1.1\ncoverage != 3.5\nMopidy-Dirble ~= 1.1\nDjango == 2.3.4\n"
                           "numpyNew; sys_platform == 'win32'\npandas\n>=1.0.0\n"
                           "python-gitlab==2.0.*\npyjwt==1.*,>=1.2\nrequests>=2.31.0,<3\n"
                           "urllib3<2,==1.26.18\n"),
              (std::map<std::string, std::string>{{"Django", "2.3.4"}, {"urllib3", "1.26.18"}}));
}

TEST(PipRequirements, ArbitraryEqualityPins) {
    EXPECT_EQ(requirements("legacy===1.0-custom\n"),
              (std::map<std::string, std::string>{{"legacy", "1.0-custom"}}));
}

TEST(PipRequirements, CommentsOptionsAndUrlsAreSkipped) {
    EXPECT_EQ(requirements("# foo==8.0.0\n#bar==8.0.0\n-r base.txt\n-c constraints.txt\n"
                           "--index-url https://mirror.example/simple\n-e git+https://x.example/y.git#egg=y\n"
                           "-e .\n./local/dir\nname @ https://x.example/name-1.0.tar.gz\n"
                           "Flask==2.0.0 #comment\nJinja2==3.0.0#comment\n"),
              (std::map<std::string, std::string>{{"Flask", "2.0.0"}, {"Jinja2", "3.0.0"}}));
}

TEST(PipRequirements, ExtrasMarkersSpacesAndHashes) {
    EXPECT_EQ(requirements("pyjwt[crypto]==2.1.0\ncelery[redis, pytest]==4.4.7\n"
                           "SomeProject ==5.4 ; python_version < '3.8'\nclick   == 8.0.0\n"
                           "FooProject == 1.2 --hash=sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e \\\n"
                           "                  --hash=sha256:486ea46224d1bb4fb680f34f7c9ad96a\n\n"
                           "Jinja2 \\\n  == 3.0.0 \\\n    --hash=sha256:2cf24dba5fb0a30e\n"),
              (std::map<std::string, std::string>{{"pyjwt", "2.1.0"},
                                                  {"celery", "4.4.7"},
                                                  {"SomeProject", "5.4"},
                                                  {"click", "8.0.0"},
                                                  {"FooProject", "1.2"},
                                                  {"Jinja2", "3.0.0"}}));
}

// ASCII text as UTF-16 with a byte order mark.
std::string utf16(std::string_view ascii, bool little_endian) {
    std::string out = little_endian ? "\xFF\xFE" : "\xFE\xFF";
    for (char c : ascii) {
        out += little_endian ? c : '\0';
        out += little_endian ? '\0' : c;
    }
    return out;
}

TEST(PipRequirements, ByteOrderMarksAreDecoded) {
    EXPECT_EQ(requirements(utf16("attrs==20.3.0\r\n# pinned\r\n", true)),
              (std::map<std::string, std::string>{{"attrs", "20.3.0"}}));
    EXPECT_EQ(requirements(utf16("a==1\nb>=2\n", false)), (std::map<std::string, std::string>{{"a", "1"}}));
    EXPECT_EQ(requirements("\xEF\xBB\xBF" "six==1.16.0\n"),
              (std::map<std::string, std::string>{{"six", "1.16.0"}}));
}

TEST(PipRequirements, ContinuationAtEndOfFileAndHostileLines) {
    EXPECT_EQ(requirements("six==1.16.0 \\"), (std::map<std::string, std::string>{{"six", "1.16.0"}}));
    EXPECT_TRUE(requirements("\\\n\\\n\\").empty());
    EXPECT_TRUE(requirements("a==1.0$(rm -rf /)\nb==\"2\"\nc==\n").empty());
    std::vector<std::string> warnings;
    const std::string endless = std::string(3 << 20, '\\') + "\n";
    std::string joined;
    for (int i = 0; i < 300000; ++i) joined += "abcdef \\\n";
    EXPECT_TRUE(parse_requirements_txt(joined, warnings).empty());
    EXPECT_EQ(warnings.size(), 1u);
    parse_requirements_txt(endless, warnings);
}

// ---------------------------------------------------------------------------------------------
// Pipfile.lock

TEST(PipfileLock, DefaultSectionOnlyAndPinsStripped) {
    std::vector<std::string> warnings;
    const auto packages = parse_pipfile_lock(R"({
        "_meta": {"hash": {"sha256": "x"}, "pipfile-spec": 6},
        "default": {
            "requests": {"hashes": ["sha256:abc"], "index": "pypi", "version": "==2.31.0"},
            "aiohttp": {"version": "==3.7.4.post0", "markers": "python_version >= '3.6'"},
            "legacy": {"version": "===1.0-x"},
            "myproject": {"editable": true, "path": "."},
            "vcs": {"git": "https://x.example/vcs.git", "ref": "abc"}
        },
        "develop": {"pytest": {"version": "==7.4.0"}}
    })", warnings);
    EXPECT_EQ(by_name(packages), (std::map<std::string, std::string>{
                                     {"requests", "2.31.0"}, {"aiohttp", "3.7.4.post0"}, {"legacy", "1.0-x"}}));
    EXPECT_TRUE(warnings.empty());
    for (const auto& package : packages) EXPECT_FALSE(package.dev);
}

TEST(PipfileLock, MalformedDocumentsAreWarnings) {
    for (const std::string bad : {"", "{", "[]", "{\"default\": []}", "{\"default\": {\"a\": {\"version\": \"1.0\"}}}",
                                  "{\"default\": {\"a b\": {\"version\": \"==1\"}}}"}) {
        std::vector<std::string> warnings;
        EXPECT_TRUE(parse_pipfile_lock(bad, warnings).empty()) << bad;
        EXPECT_EQ(warnings.size(), 1u) << bad;
    }
    std::vector<std::string> warnings;
    const std::string deep = "{\"default\": " + std::string(1 << 20, '[') + std::string(1 << 20, ']') + "}";
    EXPECT_TRUE(parse_pipfile_lock(deep, warnings).empty());
}

// ---------------------------------------------------------------------------------------------
// poetry.lock

TEST(PoetryLock, Version1CategoryMarksDev) {
    std::vector<std::string> warnings;
    const auto packages = parse_poetry_lock(R"(
[[package]]
name = "pytest"
version = "5.4.3"
description = "pytest: simple powerful testing with Python"
category = "dev"
optional = false
python-versions = ">=3.5"

[package.dependencies]
atomicwrites = {version = ">=1.0", markers = "sys_platform == \"win32\""}

[[package]]
name = "flask"
version = "1.0.3"
category = "main"
optional = false

[metadata]
lock-version = "1.1"
content-hash = "abc"

[metadata.files]
flask = []
)", warnings);
    EXPECT_TRUE(warnings.empty());
    ASSERT_EQ(packages.size(), 2u);
    EXPECT_TRUE(find(packages, "pytest")->dev);
    EXPECT_FALSE(find(packages, "flask")->dev);
}

TEST(PoetryLock, Version2GroupsWithoutMainMarkDev) {
    std::vector<std::string> warnings;
    const auto packages = parse_poetry_lock(R"(# @generated by Poetry 2.0.1
[[package]]
name = "colorama"
version = "0.4.6"
groups = ["main", "dev"]
markers = {main = "platform_system == \"Windows\"", dev = "sys_platform == \"win32\""}

[[package]]
name = "sphinx"
version = "7.2.6"
groups = ["docs"]

[[package]]
name = "click"
version = "8.1.8"
groups = ["main"]

[[package]]
name = "ungrouped"
version = "1.0"

[metadata]
lock-version = "2.1"
)", warnings);
    ASSERT_EQ(packages.size(), 4u);
    EXPECT_FALSE(find(packages, "colorama")->dev);
    EXPECT_TRUE(find(packages, "sphinx")->dev);
    EXPECT_FALSE(find(packages, "click")->dev);
    EXPECT_FALSE(find(packages, "ungrouped")->dev);
}

TEST(PoetryLock, MalformedTomlAndIncompleteEntriesAreWarnings) {
    std::vector<std::string> warnings;
    EXPECT_TRUE(parse_poetry_lock("[[package]\nname = ", warnings).empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("malformed TOML at line 1"), std::string::npos) << warnings[0];
    warnings.clear();
    const auto packages = parse_poetry_lock(
        "[[package]]\nname = \"a\"\n[[package]]\nversion = \"1\"\n[[package]]\nname = \"b\"\nversion = \"2\"\n"
        "package2 = 1\n", warnings);
    EXPECT_EQ(by_name(packages), (std::map<std::string, std::string>{{"b", "2"}}));
    EXPECT_EQ(warnings.size(), 2u);
    warnings.clear();
    EXPECT_TRUE(parse_poetry_lock("package = \"not an array\"\n", warnings).empty());
    EXPECT_TRUE(parse_poetry_lock("\xff\xfe\x00garbage", warnings).empty());
}

TEST(PoetryLock, DeepNestingIsRefusedNotACrash) {
    std::vector<std::string> warnings;
    std::string header = "[a";
    for (int i = 0; i < 200000; ++i) header += ".a";
    EXPECT_TRUE(parse_poetry_lock(header + "]\nx = 1\n", warnings).empty());
    std::string dotted = "a";
    for (int i = 0; i < 200000; ++i) dotted += ".a";
    EXPECT_TRUE(parse_poetry_lock(dotted + " = 1\n", warnings).empty());
    EXPECT_TRUE(parse_poetry_lock("x = " + std::string(100000, '[') + "\n", warnings).empty());
    EXPECT_TRUE(parse_poetry_lock("x = " + std::string(100000, '{') + "\n", warnings).empty());
    EXPECT_EQ(warnings.size(), 4u);
    // Dots in strings are not key parts.
    warnings.clear();
    const auto packages = parse_poetry_lock(
        "[[package]]\nname = \"a\"\nversion = \"1\"\ndescription = \"" + std::string(500, '.') + "\"\n", warnings);
    EXPECT_EQ(packages.size(), 1u);
    EXPECT_TRUE(warnings.empty());
}

// ---------------------------------------------------------------------------------------------
// uv.lock

constexpr std::string_view kUvLock = R"(version = 1
requires-python = ">=3.12"

[[package]]
name = "certifi"
version = "2024.8.30"
source = { registry = "https://pypi.example/simple" }
sdist = { url = "https://files.example/certifi-2024.8.30.tar.gz", hash = "sha256:bec9", size = 168507 }
wheels = [
    { url = "https://files.example/certifi-2024.8.30-py3-none-any.whl", hash = "sha256:922", size = 167321 },
]

[[package]]
name = "iniconfig"
version = "2.0.0"
source = { registry = "https://pypi.example/simple" }

[[package]]
name = "myapp"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "requests" },
]

[package.optional-dependencies]
socks = [
    { name = "pysocks" },
]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
]

[package.metadata]
requires-dist = [{ name = "requests", specifier = ">=2.32" }]

[[package]]
name = "pysocks"
version = "1.7.1"
source = { registry = "https://pypi.example/simple" }

[[package]]
name = "pytest"
version = "8.3.3"
source = { registry = "https://pypi.example/simple" }
dependencies = [
    { name = "colorama", marker = "sys_platform == 'win32'" },
    { name = "iniconfig" },
]

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.example/simple" }
dependencies = [
    { name = "certifi" },
    { name = "urllib3" },
]

[[package]]
name = "urllib3"
version = "1.26.20"
source = { registry = "https://pypi.example/simple" }
resolution-markers = ["python_full_version < '3.13'"]

[[package]]
name = "urllib3"
version = "2.2.3"
source = { registry = "https://pypi.example/simple" }
resolution-markers = ["python_full_version >= '3.13'"]
)";

TEST(UvLock, PackagesOnlyReachedThroughDevGroupsAreDev) {
    std::vector<std::string> warnings;
    const auto packages = parse_uv_lock(kUvLock, warnings);
    EXPECT_TRUE(warnings.empty());
    std::map<std::string, bool> dev;
    for (const auto& package : packages) dev[package.name + "@" + package.version] = package.dev;
    EXPECT_EQ(dev, (std::map<std::string, bool>{{"certifi@2024.8.30", false},
                                               {"iniconfig@2.0.0", true},
                                               {"myapp@0.1.0", false},
                                               {"pysocks@1.7.1", false},
                                               {"pytest@8.3.3", true},
                                               {"requests@2.32.3", false},
                                               {"urllib3@1.26.20", false},
                                               {"urllib3@2.2.3", false}}));
}

TEST(UvLock, WithoutARootNothingIsDevAndVersionlessEntriesAreSkipped) {
    std::vector<std::string> warnings;
    const auto packages = parse_uv_lock(R"(version = 1
[[package]]
name = "workspace-member"
source = { editable = "packages/member" }
dependencies = [{ name = "six" }]

[[package]]
name = "six"
version = "1.16.0"
source = { registry = "https://pypi.example/simple" }

[[package]]
name = "tool"
version = "1.0"
)", warnings);
    EXPECT_EQ(by_name(packages), (std::map<std::string, std::string>{{"six", "1.16.0"}, {"tool", "1.0"}}));
    for (const auto& package : packages) EXPECT_FALSE(package.dev) << package.name;
    EXPECT_TRUE(warnings.empty());
}

TEST(UvLock, TruncatedLockNeverCrashes) {
    const std::string whole(kUvLock);
    for (size_t cut = 0; cut <= whole.size(); cut += 7) {
        std::vector<std::string> warnings;
        parse_uv_lock(whole.substr(0, cut), warnings);
        parse_poetry_lock(whole.substr(0, cut), warnings);
    }
}

// ---------------------------------------------------------------------------------------------
// Zipped eggs

// A zip (deflated entries) holding `files`, written with libarchive.
std::string make_zip(const std::map<std::string, std::string>& files) {
    std::string out(64u << 20, '\0');
    size_t used = 0;
    archive* writer = archive_write_new();
    archive_write_set_format_zip(writer);
    archive_write_open_memory(writer, out.data(), out.size(), &used);
    for (const auto& [name, body] : files) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, name.c_str());
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_size(entry, static_cast<la_int64_t>(body.size()));
        archive_write_header(writer, entry);
        archive_write_data(writer, body.data(), body.size());
        archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);
    out.resize(used);
    return out;
}

TEST(PythonEgg, PackageComesFromEggInfoInsideTheZip) {
    const auto egg = make_zip({{"six.py", "# code\n"},
                               {"EGG-INFO/top_level.txt", "six\n"},
                               {"EGG-INFO/PKG-INFO", "Metadata-Version: 1.1\nName: six\nVersion: 1.10.0\nLicense: MIT\n"}});
    testing::MemoryFileView files({{"usr/lib/python2.7/site-packages/six-1.10.0-py2.7.egg", egg},
                                   {"opt/app/broken.egg", "PK\x03\x04 not really"},
                                   {"opt/app/empty.egg", make_zip({{"a.py", ""}})}});
    std::vector<std::string> warnings;
    const auto packages = PythonEggAnalyzer().analyze(files, {}, warnings);
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].name, "six");
    EXPECT_EQ(packages[0].version, "1.10.0");
    EXPECT_EQ(packages[0].licenses, std::vector<std::string>{"MIT"});
    EXPECT_EQ(packages[0].path, "usr/lib/python2.7/site-packages/six-1.10.0-py2.7.egg");
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_EQ(warnings[0].rfind("opt/app/broken.egg: ", 0), 0u) << warnings[0];
    EXPECT_EQ(warnings[1], "opt/app/empty.egg: no EGG-INFO/PKG-INFO in the egg");
}

TEST(PythonEgg, InflatingPkgInfoIsRefused) {
    const auto bomb = make_zip({{"EGG-INFO/PKG-INFO", "Name: x\nVersion: 1\n" + std::string(9u << 20, ' ')}});
    EXPECT_LT(bomb.size(), 100u << 10);
    std::vector<std::string> warnings;
    EXPECT_FALSE(read_egg_pkg_info(bomb, warnings));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("expands past"), std::string::npos) << warnings[0];
    for (size_t cut = 0; cut < bomb.size(); cut += 997) read_egg_pkg_info(bomb.substr(0, cut), warnings);
}

// ---------------------------------------------------------------------------------------------
// Analyzers over a file tree

TEST(PythonAnalyzers, FindFilesByNameAnywhereAndRememberThem) {
    testing::MemoryFileView files(
        {{"requirements.txt", "six==1.16.0\n"},
         {"app/requirements.txt", "flask==2.0.0\n"},
         {"app/dev-requirements.txt.bak", "nope==1.0\n"},
         {"app/myrequirements.txt", "nope==1.0\n"},
         {"srv/Pipfile.lock", R"({"default": {"idna": {"version": "==2.8"}}})"},
         {"srv/poetry.lock", "[[package]]\nname = \"attrs\"\nversion = \"25.1.0\"\n"},
         {"srv/uv.lock", "version = 1\n[[package]]\nname = \"anyio\"\nversion = \"4.6.0\"\n"},
         {"usr/lib/python3/dist-packages/six-1.16.0.egg-info", "Name: six\nVersion: 1.16.0\n"},
         {"opt/venv/lib/python3.12/site-packages/pip-24.2.dist-info/METADATA",
          "Name: pip\nVersion: 24.2\nLicense: MIT\n"},
         {"opt/venv/lib/python3.12/site-packages/pip-24.2.dist-info/RECORD", "Name: no\nVersion: 0\n"},
         {"usr/lib/python3.8/site-packages/broken.egg-info/PKG-INFO", "Summary: nothing\n"},
         {"usr/lib/python3.8/site-packages/attrs-19.1.0-py3.8.egg/EGG-INFO/PKG-INFO",
          "Name: attrs\nVersion: 19.1.0\n"}},
        "sha256:layer");
    std::vector<std::string> warnings;
    const auto packages = analyze_all(files, warnings);
    std::set<std::string> seen;
    for (const auto& package : packages) {
        seen.insert(package.name + "@" + package.version + " " + package.path);
        EXPECT_EQ(package.layer, "sha256:layer");
        EXPECT_EQ(package.type, "pypi");
    }
    EXPECT_EQ(seen, (std::set<std::string>{
                        "six@1.16.0 requirements.txt",
                        "flask@2.0.0 app/requirements.txt",
                        "idna@2.8 srv/Pipfile.lock",
                        "attrs@25.1.0 srv/poetry.lock",
                        "anyio@4.6.0 srv/uv.lock",
                        "six@1.16.0 usr/lib/python3/dist-packages/six-1.16.0.egg-info",
                        "pip@24.2 opt/venv/lib/python3.12/site-packages/pip-24.2.dist-info/METADATA",
                        "attrs@19.1.0 usr/lib/python3.8/site-packages/attrs-19.1.0-py3.8.egg/EGG-INFO/PKG-INFO"}));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].rfind("usr/lib/python3.8/site-packages/broken.egg-info/PKG-INFO: ", 0), 0u)
        << warnings[0];
}

TEST(PythonAnalyzers, InterestsBoundTheFileSizes) {
    for (const auto& analyzer : python_package_analyzers()) {
        const auto interest = analyzer->interest();
        EXPECT_LE(interest.max_bytes, 32u << 20) << analyzer->name();
        EXPECT_FALSE(interest.suffixes.empty()) << analyzer->name();
    }
    const auto lock = PoetryLockAnalyzer().interest();
    EXPECT_EQ(lock.exact, std::vector<std::string>{"poetry.lock"});
    EXPECT_EQ(lock.suffixes, std::vector<std::string>{"/poetry.lock"});
}

// ---------------------------------------------------------------------------------------------
// Text helpers

TEST(PythonText, Utf8Repair) {
    EXPECT_EQ(python::to_valid_utf8("ok \xc3\xa9 \xf0\x9f\x90\x8d"), "ok \xc3\xa9 \xf0\x9f\x90\x8d");
    EXPECT_EQ(python::to_valid_utf8("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");          // overlong
    EXPECT_EQ(python::to_valid_utf8("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
    EXPECT_EQ(python::to_valid_utf8("\xe2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");          // truncated
}

TEST(PythonText, Utf16SurrogatePairsAndOddBytes) {
    // U+1F40D as a surrogate pair, then a lone high surrogate and a dangling byte.
    const std::string text("\xFF\xFE\x3D\xD8\x0D\xDC\x3D\xD8" "a", 9);
    EXPECT_EQ(python::decode_bom_text(text), "\xf0\x9f\x90\x8d\xEF\xBF\xBD");
}

}  // namespace
}  // namespace moat
