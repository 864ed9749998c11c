#include "vulndb/matcher.h"

#include <gtest/gtest.h>

#include <map>

namespace moat {
namespace {

AffectedRange range(std::vector<RangeEvent> events) { return AffectedRange{"ECOSYSTEM", std::move(events)}; }
RangeEvent introduced(std::string v) { return {RangeEvent::Kind::Introduced, std::move(v)}; }
RangeEvent fixed(std::string v) { return {RangeEvent::Kind::Fixed, std::move(v)}; }
RangeEvent last_affected(std::string v) { return {RangeEvent::Kind::LastAffected, std::move(v)}; }

TEST(MatcherRange, IntroducedZeroToFixed) {
    auto r = range({introduced("0"), fixed("3.0.13-1~deb12u1")});
    std::string fix;
    EXPECT_TRUE(version_in_range(VersionScheme::Dpkg, "3.0.11-1~deb12u2", r, &fix));
    EXPECT_EQ(fix, "3.0.13-1~deb12u1");
    EXPECT_FALSE(version_in_range(VersionScheme::Dpkg, "3.0.13-1~deb12u1", r, &fix));
    EXPECT_FALSE(version_in_range(VersionScheme::Dpkg, "3.0.14-1~deb12u1", r, &fix));
}

TEST(MatcherRange, TildeSortsBeforeRelease) {
    // 1.0~rc1 is older than 1.0: still affected by a fix in 1.0.
    auto r = range({introduced("0"), fixed("1.0")});
    EXPECT_TRUE(version_in_range(VersionScheme::Dpkg, "1.0~rc1", r, nullptr));
}

TEST(MatcherRange, LastAffectedIsInclusive) {
    auto r = range({introduced("1.2"), last_affected("1.5")});
    std::string fix = "stale";
    EXPECT_FALSE(version_in_range(VersionScheme::Apk, "1.1-r0", r, &fix));
    EXPECT_TRUE(version_in_range(VersionScheme::Apk, "1.5", r, &fix));
    EXPECT_TRUE(fix.empty());  // no fixed event: the status is "affected"
    EXPECT_FALSE(version_in_range(VersionScheme::Apk, "1.5.1", r, &fix));
}

TEST(MatcherRange, SeveralIntroducedFixedPairsInAnyOrder) {
    auto r = range({fixed("2.5"), introduced("2.0"), fixed("1.5"), introduced("1.0")});
    std::string fix;
    EXPECT_TRUE(version_in_range(VersionScheme::Rpm, "1.2", r, &fix));
    EXPECT_EQ(fix, "1.5");
    EXPECT_FALSE(version_in_range(VersionScheme::Rpm, "1.7", r, &fix));
    EXPECT_TRUE(version_in_range(VersionScheme::Rpm, "2.1", r, &fix));
    EXPECT_EQ(fix, "2.5");
    EXPECT_FALSE(version_in_range(VersionScheme::Rpm, "0.9", r, &fix));
}

TEST(MatcherRange, RpmEpochDecides) {
    auto r = range({introduced("0"), fixed("1:1.1.1k-7.el8_6")});
    EXPECT_TRUE(version_in_range(VersionScheme::Rpm, "1:1.1.1k-6.el8_5", r, nullptr));
    EXPECT_TRUE(version_in_range(VersionScheme::Rpm, "1.1.1z-1.el8", r, nullptr));  // epoch 0 < 1
    EXPECT_FALSE(version_in_range(VersionScheme::Rpm, "1:1.1.1k-7.el8_6", r, nullptr));
}

TEST(OsEcosystem, NamesAsTheDataDoes) {
    EXPECT_EQ(os_ecosystem(OsInfo{"debian", "12.15", "bookworm"}), "Debian:12");
    EXPECT_EQ(os_ecosystem(OsInfo{"alpine", "3.18.4"}), "Alpine:v3.18");
    EXPECT_EQ(os_ecosystem(OsInfo{"ubuntu", "22.04"}), "Ubuntu:22.04:LTS");
    EXPECT_EQ(os_ecosystem(OsInfo{"ubuntu", "23.10"}), "Ubuntu:23.10");
    EXPECT_EQ(os_ecosystem(OsInfo{"alma", "9.4"}), "AlmaLinux:9");
    EXPECT_EQ(os_ecosystem(OsInfo{"debian", "buster/sid"}), std::nullopt);
}

// A database held in memory, for the matcher's merging rules.
class MemoryDb : public VulnDatabase {
public:
    std::vector<AffectedPackage> rows;
    std::map<std::string, Advisory> advisories;
    std::vector<AffectedPackage> affected(std::string_view ecosystem, std::string_view package) const override {
        std::vector<AffectedPackage> out;
        for (const auto& row : rows)
            if (row.ecosystem == ecosystem && row.package == package) out.push_back(row);
        return out;
    }
    std::optional<Advisory> advisory(std::string_view id) const override {
        auto it = advisories.find(std::string(id));
        if (it == advisories.end()) return std::nullopt;
        return it->second;
    }
    DbStatus status() const override { return {}; }
};

Package deb(std::string name, std::string version, std::string source, std::string source_version) {
    Package p;
    p.type = "deb";
    p.name = std::move(name);
    p.version = std::move(version);
    p.source_name = std::move(source);
    p.source_version = std::move(source_version);
    return p;
}

TEST(Matcher, MatchesBySourcePackageAndMergesAdvisoriesPerCve) {
    MemoryDb db;
    db.rows.push_back({"DSA-5000-1", "Debian:12", "openssl", {range({introduced("0"), fixed("3.0.13-1~deb12u1")})}, {}});
    db.rows.push_back({"DEBIAN-CVE-2024-0001", "Debian:12", "openssl", {range({introduced("0"), fixed("3.0.13-1~deb12u1")})}, {}});
    db.rows.push_back({"DEBIAN-CVE-2024-0002", "Debian:12", "openssl", {range({introduced("0"), fixed("3.0.9-1")})}, {}});
    db.rows.push_back({"DSA-OLD", "Debian:11", "openssl", {range({introduced("0"), fixed("9.9")})}, {}});
    db.advisories["DSA-5000-1"] = Advisory{"DSA-5000-1", {"CVE-2024-0001", "CVE-2024-0003"}, "openssl security update"};
    db.advisories["DEBIAN-CVE-2024-0001"] = Advisory{"DEBIAN-CVE-2024-0001", {"CVE-2024-0001"}, "one"};
    db.advisories["DEBIAN-CVE-2024-0001"].severity = Severity::High;
    db.advisories["DEBIAN-CVE-2024-0001"].severity_source = "cve";
    db.advisories["DEBIAN-CVE-2024-0002"] = Advisory{"DEBIAN-CVE-2024-0002", {"CVE-2024-0002"}, "old"};

    std::vector<Package> packages = {deb("libssl3", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2")};
    auto findings = Matcher(db).match(packages, OsInfo{"debian", "12.15", "bookworm"});
    ASSERT_EQ(findings.size(), 2u);  // CVE-2024-0001 and -0003; -0002 is fixed already
    EXPECT_EQ(findings[0].id, "CVE-2024-0001");
    EXPECT_EQ(findings[0].severity, static_cast<int>(Severity::High));
    EXPECT_EQ(findings[0].fixed_version, "3.0.13-1~deb12u1");
    EXPECT_EQ(findings[0].status, FixStatus::Fixed);
    EXPECT_EQ(findings[0].package.name, "libssl3");
    EXPECT_EQ(findings[0].aliases, (std::vector<std::string>{"DSA-5000-1", "DEBIAN-CVE-2024-0001"}));
    EXPECT_EQ(findings[1].id, "CVE-2024-0003");
    EXPECT_EQ(findings[1].severity, static_cast<int>(Severity::Unknown));
}

TEST(Matcher, WithdrawnAdvisoriesAreNeverReported) {
    MemoryDb db;
    db.rows.push_back({"ALPINE-CVE-1", "Alpine:v3.11", "musl", {range({introduced("0"), fixed("1.1.24-r3")})}, {}});
    db.advisories["ALPINE-CVE-1"] = Advisory{"ALPINE-CVE-1", {"CVE-2020-1"}};
    db.advisories["ALPINE-CVE-1"].withdrawn = true;
    Package musl;
    musl.type = "apk";
    musl.name = "musl";
    musl.version = "1.1.24-r2";
    EXPECT_TRUE(Matcher(db).match({musl}, OsInfo{"alpine", "3.11.6"}).empty());
}

TEST(Matcher, NoFixedEventMeansAffected) {
    MemoryDb db;
    db.rows.push_back({"ALSA-1", "AlmaLinux:9", "bash", {range({introduced("0")})}, {}});
    db.advisories["ALSA-1"] = Advisory{"ALSA-1", {}, "Important: bash"};
    Package bash;
    bash.type = "rpm";
    bash.name = "bash";
    bash.version = "5.1.8";
    bash.release = "6.el9";
    auto findings = Matcher(db).match({bash}, OsInfo{"alma", "9.4"});
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].id, "ALSA-1");
    EXPECT_EQ(findings[0].status, FixStatus::Affected);
}

}  // namespace
}  // namespace moat
