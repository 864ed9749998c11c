// CVE JSON 5 severity: which rating is taken from a record (CNA before ADP, v3.1 before v3.0
// before v4.0), and the real vulnrichment subset of ../shared/vulndb/severity.
#include <gtest/gtest.h>

#include <filesystem>

#include "vulndb/cve_severity.h"

namespace moat {
namespace {

std::optional<CveSeverity> read(std::string_view json, CveSeverityCounts& counts) {
    CveRecordReader reader;
    auto rating = reader.read_copy(json, counts);
    EXPECT_TRUE(rating) << (rating ? "" : rating.error().message);
    return rating ? *rating : std::nullopt;
}

std::optional<CveSeverity> read(std::string_view json) {
    CveSeverityCounts counts;
    return read(json, counts);
}

TEST(CveSeverity, CnaMetricsComeBeforeAdpMetrics) {
    auto rating = read(R"({"cveMetadata":{"cveId":"CVE-2024-0001"},"containers":{
        "cna":{"providerMetadata":{"shortName":"openssl"},
               "metrics":[{"cvssV3_1":{"baseScore":5.3,"baseSeverity":"MEDIUM","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}}]},
        "adp":[{"providerMetadata":{"shortName":"CISA-ADP"},
                "metrics":[{"cvssV3_1":{"baseScore":9.8,"baseSeverity":"CRITICAL","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}]}]}})");
    ASSERT_TRUE(rating);
    EXPECT_EQ(rating->cve_id, "CVE-2024-0001");
    EXPECT_EQ(rating->severity, Severity::Medium);
    EXPECT_EQ(rating->score, 5.3);
    EXPECT_EQ(rating->provider, "openssl");
    EXPECT_EQ(rating->vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L");
}

TEST(CveSeverity, AdpWhenTheCnaHasNoCvss) {
    auto rating = read(R"({"cveMetadata":{"cveId":"CVE-2024-0002"},"containers":{
        "cna":{"metrics":[{"other":{"type":"ssvc"}}]},
        "adp":[{"providerMetadata":{"shortName":"CVE"}},
               {"providerMetadata":{"shortName":"CISA-ADP"},
                "metrics":[{"cvssV3_1":{"baseScore":7.5,"baseSeverity":"HIGH","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}}]}]}})");
    ASSERT_TRUE(rating);
    EXPECT_EQ(rating->severity, Severity::High);
    EXPECT_EQ(rating->provider, "CISA-ADP");
}

TEST(CveSeverity, VersionOrderAndFallbacks) {
    // v3.1 before v4.0 in the same container, wherever they are listed.
    auto both = read(R"({"cveMetadata":{"cveId":"CVE-2024-0003"},"containers":{"cna":{"metrics":[
        {"cvssV4_0":{"baseScore":9.3,"baseSeverity":"CRITICAL","vectorString":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}},
        {"cvssV3_1":{"baseScore":6.5,"baseSeverity":"MEDIUM","vectorString":"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}}]}}})");
    ASSERT_TRUE(both);
    EXPECT_EQ(both->severity, Severity::Medium);
    // v4.0 alone: its baseSeverity is used as given.
    auto v4 = read(R"({"cveMetadata":{"cveId":"CVE-2022-1055"},"containers":{"cna":{"metrics":[
        {"cvssV4_0":{"baseScore":8.6,"baseSeverity":"HIGH","vectorString":"CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:N/VC:H/VI:H/VA:N/SC:H/SI:H/SA:N"}}]}}})");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->severity, Severity::High);
    EXPECT_EQ(v4->score, 8.6);
    // No baseSeverity: from the score; no score either: computed from the vector.
    auto score_only = read(R"({"cveMetadata":{"cveId":"CVE-2024-0004"},"containers":{"cna":{"metrics":[
        {"cvssV3_0":{"baseScore":9.1}}]}}})");
    ASSERT_TRUE(score_only);
    EXPECT_EQ(score_only->severity, Severity::Critical);
    auto vector_only = read(R"({"cveMetadata":{"cveId":"CVE-2024-0005"},"containers":{"cna":{"metrics":[
        {"cvssV3_1":{"vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}}]}}})");
    ASSERT_TRUE(vector_only);
    EXPECT_EQ(vector_only->score, 7.5);
    EXPECT_EQ(vector_only->severity, Severity::High);
    // CVSS v2 only: no rating.
    EXPECT_FALSE(read(R"({"cveMetadata":{"cveId":"CVE-2005-0001"},"containers":{"cna":{"metrics":[
        {"cvssV2_0":{"baseScore":7.5,"vectorString":"AV:N/AC:L/Au:N/C:P/I:P/A:P"}}]}}})"));
}

TEST(CveSeverity, NonCveRecordsAreSkippedAndCounted) {
    CveSeverityCounts counts;
    EXPECT_FALSE(read(R"({"containers":{}})", counts));
    EXPECT_FALSE(read(R"({"cveMetadata":{"cveId":"GHSA-1234"}})", counts));
    EXPECT_FALSE(read(R"([1])", counts));
    EXPECT_EQ(counts.skipped, 3u);
    CveRecordReader reader;
    EXPECT_FALSE(reader.read_copy("{not json", counts));
}

TEST(CveSeverity, WorstRatingOfSeveralAliases) {
    CveSeverity low{"CVE-1", Severity::Low, 3.1, "", ""};
    CveSeverity high{"CVE-2", Severity::High, 7.5, "", ""};
    CveSeverity high_more{"CVE-3", Severity::High, 8.1, "", ""};
    auto lookup = [&](std::string_view id) -> const CveSeverity* {
        if (id == "CVE-1") return &low;
        if (id == "CVE-2") return &high;
        if (id == "CVE-3") return &high_more;
        return nullptr;
    };
    EXPECT_EQ(worst_cve_severity({"CVE-1", "CVE-2", "CVE-9"}, lookup), &high);
    EXPECT_EQ(worst_cve_severity({"CVE-2", "CVE-3", "CVE-1"}, lookup), &high_more);
    EXPECT_EQ(worst_cve_severity({"CVE-9"}, lookup), nullptr);
    EXPECT_EQ(worst_cve_severity({}, lookup), nullptr);
}

TEST(CveSeverity, TheRealVulnrichmentSubset) {
    std::filesystem::path zip = std::filesystem::path(MOAT_SHARED_DIR) / "vulndb/severity/vulnrichment-subset.zip";
    if (!std::filesystem::exists(zip)) GTEST_SKIP() << zip << " is not here";
    std::vector<CveSeverity> ratings;
    CveSeverityCounts counts;
    Status read_all = read_cve_severity_zip(zip, ratings, counts);
    ASSERT_TRUE(read_all) << read_all.message();
    EXPECT_EQ(counts.records, 3445u);  // MANIFEST.md
    EXPECT_EQ(counts.skipped, 0u);
    // 2,205 records carry a CVSS block; 7 of them only v2.0.
    EXPECT_GE(ratings.size(), 2190u);
    EXPECT_LE(ratings.size(), 2205u);
    const CveSeverity* poodle_like = nullptr;
    for (const auto& rating : ratings)
        if (rating.cve_id == "CVE-2003-0063") poodle_like = &rating;
    ASSERT_TRUE(poodle_like);
    // Its CNA (mitre) gives no CVSS; CISA's ADP container does: 7.3 HIGH.
    EXPECT_EQ(poodle_like->severity, Severity::High);
    EXPECT_EQ(poodle_like->score, 7.3);
    EXPECT_EQ(poodle_like->provider, "CISA-ADP");
}

}  // namespace
}  // namespace moat
