// OSV record parsing: untrusted fields skipped and counted, withdrawn records, merged
// affected entries, alias collection, and the severity order (vendor, then the record's CVSS).
// The last tests read every record of ../shared/vulndb and some real records by id.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "vulndb/osv_import.h"

namespace moat {
namespace {

namespace fs = std::filesystem;

OsvRecord parse_ok(std::string_view json, OsvImportCounts& counts) {
    OsvRecordParser parser;
    auto parsed = parser.parse_copy(json, counts);
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
    if (!parsed || !*parsed) {
        ADD_FAILURE() << "no record from " << json;
        return {};
    }
    return std::move(**parsed);
}

OsvRecord parse_ok(std::string_view json) {
    OsvImportCounts counts;
    return parse_ok(json, counts);
}

TEST(OsvImport, MinimalRecord) {
    OsvImportCounts counts;
    auto record = parse_ok(R"({"id":"X-1","affected":[{"package":{"ecosystem":"npm","name":"left-pad"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.0"}]}]}]})",
                           counts);
    EXPECT_EQ(record.advisory.id, "X-1");
    EXPECT_EQ(record.advisory.severity, Severity::Unknown);
    EXPECT_EQ(record.advisory.severity_source, "");
    ASSERT_EQ(record.affected.size(), 1u);
    const auto& affected = record.affected[0];
    EXPECT_EQ(affected.advisory_id, "X-1");
    EXPECT_EQ(affected.ecosystem, "npm");
    EXPECT_EQ(affected.package, "left-pad");
    ASSERT_EQ(affected.ranges.size(), 1u);
    EXPECT_EQ(affected.ranges[0].type, "SEMVER");
    ASSERT_EQ(affected.ranges[0].events.size(), 2u);
    EXPECT_EQ(affected.ranges[0].events[0].kind, RangeEvent::Kind::Introduced);
    EXPECT_EQ(affected.ranges[0].events[1].kind, RangeEvent::Kind::Fixed);
    EXPECT_EQ(affected.ranges[0].events[1].version, "1.3.0");
    EXPECT_EQ(counts.records, 1u);
    EXPECT_EQ(counts.unknown_fields + counts.invalid_fields + counts.skipped_records, 0u);
}

TEST(OsvImport, NotJsonIsAnErrorButJsonWithoutIdIsSkipped) {
    OsvRecordParser parser;
    OsvImportCounts counts;
    EXPECT_FALSE(parser.parse_copy(R"({"id":"X-1",)", counts));
    EXPECT_FALSE(parser.parse_copy("", counts));
    for (const char* unusable : {R"([1,2])", R"("text")", R"({"summary":"no id"})", R"({"id":""})",
                                 R"({"id":42})", "{\"id\":\"bad\\nid\"}"}) {
        auto parsed = parser.parse_copy(unusable, counts);
        ASSERT_TRUE(parsed) << unusable;
        EXPECT_FALSE(*parsed) << unusable;
    }
    EXPECT_EQ(counts.skipped_records, 6u);
    EXPECT_EQ(counts.records, 0u);
}

TEST(OsvImport, UnknownAndMalformedFieldsAreSkippedAndCounted) {
    OsvImportCounts counts;
    auto record = parse_ok(R"({
        "id": "X-2", "future_field": {"a": 1}, "aliases": "CVE-2020-0001",
        "summary": 7, "published": null,
        "affected": [
          {"package": {"ecosystem": "PyPI", "name": "pkg", "namespace": "x"},
           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": 2}, {"patched": "1"}]},
                      {"type": "WEIRD", "events": [{"introduced": "0"}]},
                      {"type": "ECOSYSTEM"},
                      "not an object"],
           "versions": ["1.0", 2, "1.1"],
           "novel": true},
          {"package": {"ecosystem": "PyPI"}},
          {"ranges": []},
          42
        ]})",
                           counts);
    EXPECT_EQ(record.advisory.id, "X-2");
    EXPECT_TRUE(record.advisory.aliases.empty());
    EXPECT_EQ(record.advisory.summary, "");
    ASSERT_EQ(record.affected.size(), 1u);
    ASSERT_EQ(record.affected[0].ranges.size(), 1u);
    EXPECT_EQ(record.affected[0].ranges[0].events.size(), 1u);  // only "introduced" survived
    EXPECT_EQ(record.affected[0].versions, (std::vector<std::string>{"1.0", "1.1"}));
    EXPECT_EQ(counts.unknown_fields, 4u);  // future_field, namespace, patched, novel
    EXPECT_EQ(counts.unknown_field_names["future_field"], 1u);
    EXPECT_EQ(counts.unknown_field_names["affected[].package.namespace"], 1u);
    EXPECT_EQ(counts.unknown_field_names["affected[].ranges[].events[].patched"], 1u);
    EXPECT_EQ(counts.unknown_field_names["affected[].novel"], 1u);
    // aliases (not a list), summary (a number), fixed (a number), WEIRD range, range without
    // events, non-object range, version 2, package without name, entry without package, 42.
    EXPECT_EQ(counts.invalid_fields, 10u);
}

TEST(OsvImport, UnknownEcosystemsAreSkippedAndCounted) {
    OsvImportCounts counts;
    auto record = parse_ok(R"({"id":"GHSA-x","affected":[
        {"package":{"ecosystem":"purl-type:swift","name":"https://github.com/apple/swift-nio-http2"}},
        {"package":{"ecosystem":"Go","name":"golang.org/x/net"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]},
        {"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]})",
                           counts);
    ASSERT_EQ(record.affected.size(), 2u);
    EXPECT_EQ(record.affected[0].ecosystem, "Go");
    EXPECT_EQ(record.affected[1].ecosystem, "Debian:12");
    EXPECT_EQ(counts.unknown_ecosystems, 1u);
    EXPECT_EQ(counts.unknown_ecosystem_names["purl-type:swift"], 1u);
    EXPECT_TRUE(is_known_osv_ecosystem("Ubuntu:Pro:16.04:LTS"));
    EXPECT_TRUE(is_known_osv_ecosystem("Packagist:https://packages.drupal.org/8"));
    EXPECT_FALSE(is_known_osv_ecosystem("debian"));
}

TEST(OsvImport, WithdrawnRecordsKeepTheAdvisoryButNoAffectedRows) {
    OsvImportCounts counts;
    auto record = parse_ok(R"({"id":"PYSEC-2022-15","withdrawn":"2022-02-22T16:15:07Z",
        "aliases":["CVE-2022-0329"],"affected":[{"package":{"name":"loguru","ecosystem":"PyPI"}}]})",
                           counts);
    EXPECT_TRUE(record.advisory.withdrawn);
    EXPECT_TRUE(record.affected.empty());
    EXPECT_EQ(counts.withdrawn, 1u);
    EXPECT_FALSE(parse_ok(R"({"id":"X","withdrawn":null})").advisory.withdrawn);
}

TEST(OsvImport, EntriesForTheSamePackageAreMergedOthersKeptApart) {
    // AlmaLinux lists one package several times (module streams); GHSA-f5x3-32g6-xq36 names
    // node-tar and tar with the same range.
    auto record = parse_ok(R"({"id":"A","affected":[
        {"package":{"ecosystem":"AlmaLinux:8","name":"oci-umount"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2:2.3.4-2.el8_5"}]}]},
        {"package":{"ecosystem":"npm","name":"node-tar"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"6.2.1"}]}]},
        {"package":{"ecosystem":"npm","name":"tar"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"6.2.1"}]}]},
        {"package":{"ecosystem":"AlmaLinux:8","name":"oci-umount"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2:2.3.4-2.el8_4"}]}],"versions":["2.3.3"]}]})");
    ASSERT_EQ(record.affected.size(), 3u);
    EXPECT_EQ(record.affected[0].package, "oci-umount");
    EXPECT_EQ(record.affected[0].ranges.size(), 2u);
    EXPECT_EQ(record.affected[0].versions, (std::vector<std::string>{"2.3.3"}));
    EXPECT_EQ(record.affected[1].package, "node-tar");
    EXPECT_EQ(record.affected[2].package, "tar");
}

// Debian puts a GHSA id cited with the CVE in `related`: it is kept as another name.
TEST(OsvImport, AliasesIncludeCveAndGhsaIdsFromRelatedAndUpstream) {
    auto record = parse_ok(R"({"id":"USN-1","aliases":["GHSA-aaaa-bbbb-cccc","CVE-2020-0001"],
        "related":["CVE-2020-0002","GHSA-dddd-eeee-ffff","CVE-2020-0001"],
        "upstream":["UBUNTU-CVE-2022-4203","CVE-2022-4304"]})");
    EXPECT_EQ(record.advisory.aliases,
              (std::vector<std::string>{"GHSA-aaaa-bbbb-cccc", "CVE-2020-0001", "GHSA-dddd-eeee-ffff",
                                        "CVE-2020-0002", "CVE-2022-4203", "CVE-2022-4304"}));
}

TEST(OsvImport, SummaryFallsBackToTheFirstLineOfDetails) {
    EXPECT_EQ(parse_ok(R"({"id":"A","details":"\n  First line.\nSecond line."})").advisory.summary, "First line.");
    EXPECT_EQ(parse_ok(R"({"id":"A","summary":"Own","details":"Other"})").advisory.summary, "Own");
    std::string long_details(300, 'x');
    long_details[238] = '\xc3';  // a two-byte character across the cut
    long_details[239] = '\xa9';
    long_details[240] = '\xc3';
    long_details[241] = '\xa9';
    auto summary = parse_ok("{\"id\":\"A\",\"details\":\"" + long_details + "\"}").advisory.summary;
    EXPECT_EQ(summary, long_details.substr(0, 240) + "…");
}

// --- severity order: vendor first, then a CVSS vector in the record ---------------------------

TEST(OsvSeverity, AlmaLinuxSummaryPrefixIsTheVendorRating) {
    const std::pair<const char*, Severity> cases[] = {{"Critical: kernel update", Severity::Critical},
                                                      {"Important: openssl update", Severity::High},
                                                      {"Moderate: curl update", Severity::Medium},
                                                      {"Low: tar update", Severity::Low}};
    for (const auto& [summary, expected] : cases) {
        auto record = parse_ok(std::string(R"({"id":"ALSA-1","summary":")") + summary +
                               R"(","affected":[{"package":{"ecosystem":"AlmaLinux:9","name":"x"}}],
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}]})");
        EXPECT_EQ(record.advisory.severity, expected) << summary;
        EXPECT_EQ(record.advisory.severity_source, "almalinux");
        EXPECT_EQ(record.advisory.cvss_score, 5.3);  // the vector is kept for reference
    }
    // The prefix means nothing outside the Red Hat family.
    auto other = parse_ok(R"({"id":"X","summary":"Important: read this",
        "affected":[{"package":{"ecosystem":"npm","name":"x"}}]})");
    EXPECT_EQ(other.advisory.severity, Severity::Unknown);
    // A bug-fix erratum has no rating.
    auto bugfix = parse_ok(R"({"id":"ALBA-1","summary":"container-tools bug fix update",
        "affected":[{"package":{"ecosystem":"AlmaLinux:8","name":"x"}}]})");
    EXPECT_EQ(bugfix.advisory.severity, Severity::Unknown);
}

TEST(OsvSeverity, GhsaDatabaseSeverityBeatsItsVector) {
    auto record = parse_ok(R"({"id":"GHSA-29mw-wpgm-hmr9",
        "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "database_specific":{"severity":"MODERATE"}})");
    EXPECT_EQ(record.advisory.severity, Severity::Medium);
    EXPECT_EQ(record.advisory.severity_source, "ghsa");
    EXPECT_EQ(record.advisory.cvss_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    EXPECT_EQ(record.advisory.cvss_score, 9.8);
    auto bitnami = parse_ok(R"({"id":"BIT-x","database_specific":{"severity":"Critical"}})");
    EXPECT_EQ(bitnami.advisory.severity, Severity::Critical);
    EXPECT_EQ(bitnami.advisory.severity_source, "bitnami");
    // "Unknown" and "None" are no rating.
    EXPECT_EQ(parse_ok(R"({"id":"BIT-y","database_specific":{"severity":"Unknown"}})").advisory.severity_source, "");
}

TEST(OsvSeverity, UbuntuPriority) {
    auto top = parse_ok(R"({"id":"CVE-1","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},{"type":"Ubuntu","score":"medium"}]})");
    EXPECT_EQ(top.advisory.severity, Severity::Medium);
    EXPECT_EQ(top.advisory.severity_source, "ubuntu");
    auto per_package = parse_ok(R"({"id":"CVE-2","affected":[{"package":{"ecosystem":"Ubuntu:22.04:LTS","name":"openssl"},
        "ecosystem_specific":{"ubuntu_priority":"high"}}]})");
    EXPECT_EQ(per_package.advisory.severity, Severity::High);
    auto usn = parse_ok(R"({"id":"USN-1","affected":[{"package":{"ecosystem":"Ubuntu:18.04:LTS","name":"openssl"},
        "database_specific":{"cves_map":{"cves":[{"id":"CVE-a","severity":[{"type":"Ubuntu","score":"low"}]},
                                                  {"id":"CVE-b","severity":[{"type":"Ubuntu","score":"high"}]}]}}}]})");
    EXPECT_EQ(usn.advisory.severity, Severity::High);
    EXPECT_EQ(usn.advisory.severity_source, "ubuntu");
    EXPECT_EQ(parse_ok(R"({"id":"CVE-3","severity":[{"type":"Ubuntu","score":"untriaged"}]})").advisory.severity,
              Severity::Unknown);
}

TEST(OsvSeverity, CvssVectorWhenThereIsNoVendorRating) {
    // The highest of several vectors, at record or package level.
    auto record = parse_ok(R"({"id":"RUSTSEC-1",
        "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"}],
        "affected":[{"package":{"ecosystem":"crates.io","name":"x"},
                     "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}]}]})");
    EXPECT_EQ(record.advisory.severity, Severity::High);
    EXPECT_EQ(record.advisory.severity_source, "cvss");
    EXPECT_EQ(record.advisory.cvss_score, 7.5);
    // A CVSS 4.0 vector alone gives no rating here (the CVE data may, later).
    auto v4 = parse_ok(R"({"id":"RUSTSEC-2","severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N"}]})");
    EXPECT_EQ(v4.advisory.severity, Severity::Unknown);
    EXPECT_EQ(v4.advisory.severity_source, "");
    EXPECT_EQ(v4.advisory.cvss_vector, "CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N");
    // A broken vector is counted, not used.
    OsvImportCounts counts;
    auto broken = parse_ok(R"({"id":"X","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N"}]})", counts);
    EXPECT_EQ(broken.advisory.severity, Severity::Unknown);
    EXPECT_EQ(counts.invalid_fields, 1u);
}

// --- the real corpus ---------------------------------------------------------------------------

fs::path corpus() { return fs::path(MOAT_SHARED_DIR) / "vulndb"; }

std::map<std::string, OsvRecord> read_records(const fs::path& zip, const std::vector<std::string>& ids) {
    std::map<std::string, OsvRecord> out;
    OsvRecordParser parser;
    OsvImportCounts counts;
    Status walked = for_each_zip_entry(zip, [&](std::string_view name, std::string_view body) {
        for (const auto& id : ids)
            if (name == id + ".json") {
                auto parsed = parser.parse(body, counts);
                if (parsed && *parsed) out.emplace(id, std::move(**parsed));
            }
        return Status::Ok();
    });
    EXPECT_TRUE(walked) << walked.message();
    return out;
}

TEST(OsvCorpus, EveryRecordOfTheSharedCorpusParses) {
    if (!fs::exists(corpus() / "ecosystems.txt")) GTEST_SKIP() << "no ../shared/vulndb";
    OsvRecordParser parser;
    OsvImportCounts total;
    uint64_t entries = 0, withdrawn_with_rows = 0;
    for (const auto& folder : fs::directory_iterator(corpus())) {
        fs::path zip = folder.path() / "all.zip";
        if (!fs::exists(zip)) continue;
        Status walked = for_each_zip_entry(zip, [&](std::string_view name, std::string_view body) {
            ++entries;
            auto parsed = parser.parse(body, total);
            if (!parsed) return Status(Error{std::string(name) + ": " + parsed.error().message});
            if (*parsed && (*parsed)->advisory.withdrawn && !(*parsed)->affected.empty()) ++withdrawn_with_rows;
            if (*parsed && std::string((*parsed)->advisory.id) + ".json" != name)
                return Status(Error{std::string(name) + ": id " + (*parsed)->advisory.id});
            return Status::Ok();
        });
        ASSERT_TRUE(walked) << walked.message();
    }
    EXPECT_EQ(entries, 79218u);  // MANIFEST.md: 79,218 records in 13 all.zip files
    EXPECT_EQ(total.records, entries);
    EXPECT_EQ(total.skipped_records, 0u);
    EXPECT_EQ(total.withdrawn, 54u + 10u + 13u + 17u + 1u);  // npm, PyPI, crates.io, Go; + GHSA-27h2
    EXPECT_EQ(withdrawn_with_rows, 0u);
    EXPECT_EQ(total.unknown_ecosystems, 1u);  // purl-type:swift in GHSA-qppj-fm5r-hxr3
    EXPECT_EQ(total.unknown_fields, 0u);
}

TEST(OsvCorpus, RealRecordsGetTheExpectedSeverity) {
    if (!fs::exists(corpus() / "ecosystems.txt")) GTEST_SKIP() << "no ../shared/vulndb";
    auto alma = read_records(corpus() / "AlmaLinux/all.zip", {"ALSA-2024:0265"});
    ASSERT_TRUE(alma.count("ALSA-2024:0265"));
    EXPECT_EQ(alma["ALSA-2024:0265"].advisory.severity, Severity::High);
    EXPECT_EQ(alma["ALSA-2024:0265"].advisory.severity_source, "almalinux");
    EXPECT_EQ(alma["ALSA-2024:0265"].advisory.aliases.size(), 6u);  // its `related` CVEs

    auto npm = read_records(corpus() / "npm/all.zip",
                            {"GHSA-29mw-wpgm-hmr9", "GHSA-27h2-hvpr-p74q", "GHSA-f5x3-32g6-xq36", "GHSA-qffp-2rhf-9h96"});
    EXPECT_EQ(npm["GHSA-29mw-wpgm-hmr9"].advisory.severity, Severity::Medium);
    EXPECT_EQ(npm["GHSA-29mw-wpgm-hmr9"].advisory.severity_source, "ghsa");
    EXPECT_TRUE(npm["GHSA-27h2-hvpr-p74q"].advisory.withdrawn);
    EXPECT_TRUE(npm["GHSA-27h2-hvpr-p74q"].affected.empty());
    ASSERT_EQ(npm["GHSA-f5x3-32g6-xq36"].affected.size(), 2u);
    EXPECT_EQ(npm["GHSA-f5x3-32g6-xq36"].affected[1].package, "tar");
    EXPECT_TRUE(npm["GHSA-qffp-2rhf-9h96"].advisory.aliases.empty());
    EXPECT_EQ(npm["GHSA-qffp-2rhf-9h96"].advisory.severity, Severity::High);

    auto ubuntu = read_records(corpus() / "Ubuntu/all.zip", {"USN-5844-1", "CVE-2023-0286"});
    EXPECT_EQ(ubuntu["USN-5844-1"].advisory.severity_source, "ubuntu");
    EXPECT_EQ(ubuntu["USN-5844-1"].advisory.aliases.size(), 8u);  // from UBUNTU-CVE-… upstream
    EXPECT_EQ(ubuntu["CVE-2023-0286"].advisory.severity, Severity::High);

    auto debian = read_records(corpus() / "Debian/all.zip", {"DEBIAN-CVE-2006-10002"});
    const auto& record = debian["DEBIAN-CVE-2006-10002"];
    EXPECT_EQ(record.advisory.severity, Severity::Unknown);  // Debian records carry none
    EXPECT_EQ(record.advisory.aliases, (std::vector<std::string>{"CVE-2006-10002"}));
    ASSERT_EQ(record.affected.size(), 1u);
    EXPECT_EQ(record.affected[0].ecosystem, "Debian:12");
    EXPECT_EQ(record.affected[0].package, "libxml-parser-perl");
    EXPECT_EQ(record.affected[0].ranges[0].events[1].version, "2.46-4+deb12u1");
}

// --- zip reading --------------------------------------------------------------------------------

TEST(ZipReading, CorruptAndTruncatedZipsAreErrorsNamingTheFile) {
    fs::path source = corpus() / "Maven/all.zip";
    if (!fs::exists(source)) GTEST_SKIP() << "no ../shared/vulndb";
    fs::path dir = fs::temp_directory_path() / ("moat-zip-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::string bytes;
    {
        std::ifstream in(source, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto write = [&](const std::string& name, const std::string& content) {
        std::ofstream(dir / name, std::ios::binary) << content;
        return dir / name;
    };
    auto count_entries = [](const fs::path& path, std::string& error) {
        int entries = 0;
        Status walked = for_each_zip_entry(path, [&](std::string_view, std::string_view) {
            ++entries;
            return Status::Ok();
        }, {}, "Maven/all.zip");
        if (!walked) error = walked.message();
        return entries;
    };
    std::string error;
    EXPECT_EQ(count_entries(write("good.zip", bytes), error), 5);
    EXPECT_EQ(error, "");

    std::string flipped = bytes;
    for (size_t at = 200; at < 600; ++at) flipped[at] = static_cast<char>(flipped[at] ^ 0x5a);
    count_entries(write("flipped.zip", flipped), error);
    EXPECT_NE(error.find("Maven/all.zip"), std::string::npos) << error;

    error.clear();
    count_entries(write("truncated.zip", bytes.substr(0, bytes.size() / 2)), error);
    EXPECT_NE(error.find("Maven/all.zip"), std::string::npos) << error;

    error.clear();
    count_entries(write("text.zip", "this is not a zip file"), error);
    EXPECT_NE(error, "");
    fs::remove_all(dir);
}

}  // namespace
}  // namespace moat
