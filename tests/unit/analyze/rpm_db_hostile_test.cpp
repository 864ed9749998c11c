// Hostile database files for the three rpmdb readers: truncations, random bytes, bit flips,
// page cycles, lying slots. Each must end in an Error or warnings, never a crash or a hang.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../support/dir_file_view.h"
#include "analyze/pkg/rpm/rpm_bdb.h"
#include "analyze/pkg/rpm/rpm_header.h"
#include "analyze/pkg/rpm/rpm_ndb.h"
#include "analyze/pkg/rpm/rpm_sqlite.h"
#include "analyze/pkg/rpm_analyzer.h"

namespace moat {
namespace {

namespace fs = std::filesystem;

std::string read_fixture(const std::string& relative) {
    std::ifstream in(testing::shared_dir() / "fixtures" / relative, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

const std::string& libuuid_bdb() {
    static const std::string bytes =
        read_fixture("rpm/go-rpmdb-rhel8-libuuid-bdb/input/var/lib/rpm/Packages");
    return bytes;
}
const std::string& sle_ndb() {
    static const std::string bytes =
        read_fixture("rpm/go-rpmdb-sle15-bci-ndb/input/usr/lib/sysimage/rpm/Packages.db");
    return bytes;
}
const std::string& mariner_sqlite() {
    static const std::string bytes =
        read_fixture("rpm/go-rpmdb-cbl-mariner-2.0-sqlite/input/var/lib/rpm/rpmdb.sqlite");
    return bytes;
}

void put_le32(std::string& bytes, size_t offset, uint32_t value) {
    for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<char>(value >> (8 * i));
}

struct Outcome {
    bool ok = false;
    std::string error;
    std::vector<Package> packages;
    std::vector<std::string> warnings;
};

Outcome read(std::string_view bytes, RpmDbFormat format) {
    Outcome outcome;
    auto result = read_rpm_database(bytes, format, &outcome.warnings);
    outcome.ok = result.ok();
    if (result.ok())
        outcome.packages = std::move(*result);
    else
        outcome.error = result.error().message;
    return outcome;
}

bool mentions(const Outcome& outcome, std::string_view text) {
    if (outcome.error.find(text) != std::string::npos) return true;
    for (const auto& warning : outcome.warnings)
        if (warning.find(text) != std::string::npos) return true;
    return false;
}

// Feeds `bytes` to every reader; only the absence of a crash (and ASan findings) is asserted.
void read_with_every_reader(std::string_view bytes) {
    for (RpmDbFormat format : {RpmDbFormat::kBerkeleyDb, RpmDbFormat::kNdb, RpmDbFormat::kSqlite,
                               RpmDbFormat::kContainerManifest}) {
        Outcome outcome = read(bytes, format);
        EXPECT_TRUE(outcome.ok || !outcome.error.empty());
        EXPECT_LE(outcome.warnings.size(), 40u);
    }
    (void)rpm::parse_header(bytes);
}

// --- Berkeley DB ---------------------------------------------------------------------------

constexpr size_t kLibuuidPageSize = 4096;
size_t page_field(uint32_t page, size_t offset) {
    return page * kLibuuidPageSize + offset;
}

TEST(RpmBdbHostile, OverflowCycleIsCutAndReported) {
    std::string bytes = libuuid_bdb();
    put_le32(bytes, page_field(10, 16), 5);  // page 10's next page goes back to page 5
    Outcome outcome = read(bytes, RpmDbFormat::kBerkeleyDb);
    EXPECT_FALSE(outcome.ok);
    EXPECT_TRUE(mentions(outcome, "reached twice")) << outcome.error;
}

TEST(RpmBdbHostile, SelfLoopingOverflowPageIsCut) {
    std::string bytes = libuuid_bdb();
    put_le32(bytes, page_field(3, 16), 3);
    EXPECT_TRUE(mentions(read(bytes, RpmDbFormat::kBerkeleyDb), "reached twice"));
}

TEST(RpmBdbHostile, OverflowChainLeavingTheFileIsReported) {
    std::string bytes = libuuid_bdb();
    put_le32(bytes, page_field(10, 16), 0xfffffff0u);
    EXPECT_TRUE(mentions(read(bytes, RpmDbFormat::kBerkeleyDb), "points at page"));
}

TEST(RpmBdbHostile, OversizedOverflowItemIsRefused) {
    std::string bytes = libuuid_bdb();
    // Page 2 holds the libuuid record: item 1 is the H_OFFPAGE reference; find and inflate it.
    const size_t item_offset = static_cast<unsigned char>(bytes[page_field(2, 28)]) |
                               static_cast<unsigned char>(bytes[page_field(2, 29)]) << 8;
    ASSERT_EQ(bytes[page_field(2, item_offset)], 3) << "expected an off-page item";
    put_le32(bytes, page_field(2, item_offset + 8), 0xfffffff0u);
    EXPECT_TRUE(mentions(read(bytes, RpmDbFormat::kBerkeleyDb), "larger than possible"));
}

TEST(RpmBdbHostile, HashPageWithImpossibleEntryCountIsSkipped) {
    std::string bytes = libuuid_bdb();
    bytes[page_field(2, 20)] = static_cast<char>(0xff);
    bytes[page_field(2, 21)] = static_cast<char>(0xff);
    EXPECT_TRUE(mentions(read(bytes, RpmDbFormat::kBerkeleyDb), "claims 65535 entries"));
}

TEST(RpmBdbHostile, MetadataProblemsAreErrors) {
    std::string bad_page_size = libuuid_bdb();
    put_le32(bad_page_size, 20, 1000);
    EXPECT_FALSE(read(bad_page_size, RpmDbFormat::kBerkeleyDb).ok);
    std::string encrypted = libuuid_bdb();
    encrypted[24] = 1;
    EXPECT_TRUE(mentions(read(encrypted, RpmDbFormat::kBerkeleyDb), "encrypted"));
    std::string btree = libuuid_bdb();
    put_le32(btree, 12, 0x053162);
    EXPECT_TRUE(mentions(read(btree, RpmDbFormat::kBerkeleyDb), "Btree"));
    EXPECT_FALSE(read(sle_ndb(), RpmDbFormat::kBerkeleyDb).ok);
}

TEST(RpmBdbHostile, EveryTruncationEndsInAnErrorOrWarning) {
    const std::string& bytes = libuuid_bdb();
    for (size_t length = 0; length < bytes.size(); length += 509) {
        Outcome outcome = read(std::string_view(bytes).substr(0, length), RpmDbFormat::kBerkeleyDb);
        EXPECT_TRUE(!outcome.ok || !outcome.warnings.empty())
            << "prefix of " << length << " bytes read silently";
    }
}

// --- NDB -----------------------------------------------------------------------------------

constexpr size_t kNdbSlotBytes = 16;
constexpr size_t kNdbBlockBytes = 16;

TEST(RpmNdbHostile, CorruptBlobIsSkippedByChecksumAndTheRestIsRead) {
    std::string bytes = sle_ndb();
    // Slot 3 is the second package (filesystem); flip a byte inside its blob.
    const uint32_t block = static_cast<unsigned char>(bytes[3 * kNdbSlotBytes + 8]) |
                           static_cast<unsigned char>(bytes[3 * kNdbSlotBytes + 9]) << 8;
    bytes[block * kNdbBlockBytes + 100] ^= 0x5a;
    Outcome outcome = read(bytes, RpmDbFormat::kNdb);
    ASSERT_TRUE(outcome.ok) << outcome.error;
    EXPECT_EQ(outcome.packages.size(), 34u);
    EXPECT_TRUE(mentions(outcome, "checksum mismatch"));
}

TEST(RpmNdbHostile, SlotsPointingOutsideOrOverlappingAreSkipped) {
    std::string outside = sle_ndb();
    put_le32(outside, 2 * kNdbSlotBytes + 8, 0x7fffffff);
    Outcome outside_outcome = read(outside, RpmDbFormat::kNdb);
    EXPECT_EQ(outside_outcome.packages.size(), 34u);
    EXPECT_TRUE(mentions(outside_outcome, "points outside"));

    std::string overlapping = sle_ndb();
    for (int field : {4, 8, 12})  // slot 4 becomes a copy of slot 3
        put_le32(overlapping, 4 * kNdbSlotBytes + field,
                 static_cast<unsigned char>(overlapping[3 * kNdbSlotBytes + field]) |
                     static_cast<unsigned char>(overlapping[3 * kNdbSlotBytes + field + 1]) << 8 |
                     static_cast<unsigned char>(overlapping[3 * kNdbSlotBytes + field + 2]) << 16);
    Outcome overlap_outcome = read(overlapping, RpmDbFormat::kNdb);
    EXPECT_EQ(overlap_outcome.packages.size(), 34u);
    EXPECT_TRUE(mentions(overlap_outcome, "overlaps"));
}

TEST(RpmNdbHostile, HeaderProblemsAreErrors) {
    std::string many_pages = sle_ndb();
    put_le32(many_pages, 12, 0xffffffffu);
    EXPECT_FALSE(read(many_pages, RpmDbFormat::kNdb).ok);
    std::string version = sle_ndb();
    put_le32(version, 4, 7);
    EXPECT_TRUE(mentions(read(version, RpmDbFormat::kNdb), "version 7"));
    EXPECT_FALSE(read(libuuid_bdb(), RpmDbFormat::kNdb).ok);
}

TEST(RpmNdbHostile, TruncationsLoseOnlyTheCutPackages) {
    const std::string& bytes = sle_ndb();
    size_t previous_count = 0;
    for (size_t length = 0; length <= bytes.size(); length += 65521) {
        Outcome outcome = read(std::string_view(bytes).substr(0, length), RpmDbFormat::kNdb);
        EXPECT_GE(outcome.packages.size(), previous_count) << "a longer prefix gave fewer packages";
        previous_count = outcome.packages.size();
    }
}

// --- SQLite --------------------------------------------------------------------------------

TEST(RpmSqliteHostile, TruncatedDatabasesFailCleanly) {
    const std::string& bytes = mariner_sqlite();
    for (size_t length : {size_t{0}, size_t{50}, size_t{100}, size_t{4096}, size_t{65536},
                          bytes.size() / 2, bytes.size() - 4096}) {
        Outcome outcome = read(std::string_view(bytes).substr(0, length), RpmDbFormat::kSqlite);
        EXPECT_TRUE(!outcome.ok || !outcome.warnings.empty() || outcome.packages.size() < 129u)
            << "prefix of " << length;
    }
}

TEST(RpmSqliteHostile, OtherFilesAreErrors) {
    EXPECT_TRUE(
        mentions(read("plain text, not SQLite", RpmDbFormat::kSqlite), "not an SQLite database"));
    std::string garbage = mariner_sqlite().substr(0, 100) + std::string(8192, '\x7f');
    EXPECT_FALSE(read(garbage, RpmDbFormat::kSqlite).ok);
}

// --- random bytes and bit flips --------------------------------------------------------------

TEST(RpmDbHostile, RandomBytesNeverCrash) {
    std::mt19937 random(20240611);
    for (int round = 0; round < 300; ++round) {
        std::string bytes(random() % 20000, '\0');
        for (char& byte : bytes) byte = static_cast<char>(random());
        read_with_every_reader(bytes);
    }
}

TEST(RpmDbHostile, RandomBytesBehindValidMagicNeverCrash) {
    std::mt19937 random(7);
    for (int round = 0; round < 100; ++round) {
        for (const std::string* fixture : {&libuuid_bdb(), &sle_ndb()}) {
            std::string bytes = fixture->substr(0, 4096 + random() % 30000);
            for (size_t i = 64; i < bytes.size(); ++i)
                if (random() % 4 == 0) bytes[i] = static_cast<char>(random());
            read_with_every_reader(bytes);
        }
    }
}

TEST(RpmDbHostile, BitFlippedFixturesNeverCrash) {
    std::mt19937 random(99);
    for (int round = 0; round < 60; ++round) {
        for (const std::string* fixture : {&libuuid_bdb(), &sle_ndb(), &mariner_sqlite()}) {
            std::string bytes = *fixture;
            for (int flip = 0; flip < 8; ++flip)
                bytes[random() % bytes.size()] ^= static_cast<char>(1 << (random() % 8));
            read_with_every_reader(bytes);
        }
    }
}

TEST(RpmDbHostile, WarningsStayBoundedOnAFileFullOfBadSlots) {
    std::string bytes = sle_ndb().substr(0, 32);
    put_le32(bytes, 12, 256);  // 256 slot pages = 65536 slots, every one without its magic
    bytes.resize(256 * 4096, '\x01');
    Outcome outcome = read(bytes, RpmDbFormat::kNdb);
    EXPECT_LE(outcome.warnings.size(), 40u);
    EXPECT_FALSE(outcome.ok);
}

// --- the analyzer over a damaged tree ---------------------------------------------------------

class RpmFilesInMemory : public FileView {
  public:
    using Files = std::vector<std::pair<std::string, std::string>>;
    explicit RpmFilesInMemory(Files files) : files_(std::move(files)) {}
    std::optional<FileContent> read(std::string_view path) const override {
        for (const auto& [name, body] : files_)
            if (name == path) return FileContent{name, "sha256:layer", body};
        return std::nullopt;
    }
    std::vector<FileContent> files_matching(
        const std::function<bool(std::string_view)>& match) const override {
        std::vector<FileContent> out;
        for (const auto& [name, body] : files_)
            if (match(name)) out.push_back(FileContent{name, "sha256:layer", body});
        return out;
    }

  private:
    Files files_;
};

TEST(RpmAnalyzerDamage, DamagedDatabaseIsAWarningNamingTheFile) {
    RpmFilesInMemory files(
        RpmFilesInMemory::Files{{"var/lib/rpm/Packages", std::string(8192, '\0')}});
    std::vector<std::string> warnings;
    auto packages = RpmAnalyzer().analyze(files, AnalysisContext{}, warnings);
    EXPECT_TRUE(packages.empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_TRUE(warnings[0].starts_with("var/lib/rpm/Packages: ")) << warnings[0];
}

TEST(RpmAnalyzerDamage, FallsBackToTheNextDatabaseWhenThePreferredOneIsUnreadable) {
    RpmFilesInMemory files(RpmFilesInMemory::Files{
        {"usr/lib/sysimage/rpm/rpmdb.sqlite", "SQLite format 3, not really"},
        {"var/lib/rpm/Packages", libuuid_bdb()}});
    std::vector<std::string> warnings;
    auto packages = RpmAnalyzer().analyze(files, AnalysisContext{}, warnings);
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].name, "libuuid");
    EXPECT_EQ(packages[0].path, "var/lib/rpm/Packages");
    EXPECT_EQ(packages[0].layer, "sha256:layer");
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_TRUE(warnings[0].starts_with("usr/lib/sysimage/rpm/rpmdb.sqlite: ")) << warnings[0];
}

TEST(RpmAnalyzerDamage, PrefersSqliteOverNdbOverBdbAndIgnoresTheManifest) {
    RpmFilesInMemory files(
        RpmFilesInMemory::Files{{"var/lib/rpm/Packages", libuuid_bdb()},
                                {"usr/lib/sysimage/rpm/Packages.db", sle_ndb()},
                                {"var/lib/rpmmanifest/container-manifest-2",
                                 "a\t1-1\t0\t0\tv\t(none)\t1\tnoarch\t0\ta-1-1.src.rpm\n"}});
    std::vector<std::string> warnings;
    auto packages = RpmAnalyzer().analyze(files, AnalysisContext{}, warnings);
    EXPECT_EQ(packages.size(), 35u);
    EXPECT_TRUE(warnings.empty());
}

TEST(RpmAnalyzerDamage, ManifestWithBadLinesKeepsTheGoodOnes) {
    RpmFilesInMemory files(RpmFilesInMemory::Files{
        {"var/lib/rpmmanifest/container-manifest-2",
         "bash\t5.2.15-1.azl3\t0\t0\tMicrosoft\t(none)\t1\tx86_64\t0\tbash-5.2.15-1.azl3.src.rpm\n"
         "broken line without tabs\n"}});
    std::vector<std::string> warnings;
    auto packages = RpmAnalyzer().analyze(files, AnalysisContext{}, warnings);
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_EQ(packages[0].version, "5.2.15");
    EXPECT_EQ(packages[0].release, "1.azl3");
    EXPECT_FALSE(packages[0].epoch.has_value());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("line 2"), std::string::npos) << warnings[0];
}

// A one-package NDB file built by hand: a header with only NAME, in one slot and one blob.
std::string single_package_ndb(const std::string& name) {
    auto be32 = [](uint32_t v) {
        return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                           static_cast<char>(v >> 8), static_cast<char>(v)};
    };
    const std::string data = name + '\0';
    const std::string blob = be32(1) + be32(static_cast<uint32_t>(data.size())) + be32(1000) +
                             be32(6) + be32(0) + be32(1) + data;
    std::string ndb(4096, '\0');
    put_le32(ndb, 0, 0x506d7052);  // "RpmP"
    put_le32(ndb, 12, 1);          // one slot page
    for (size_t slot = 2; slot < 256; ++slot) put_le32(ndb, slot * 16, 0x746f6c53);  // "Slot"
    const uint32_t blocks = static_cast<uint32_t>((16 + blob.size() + 12 + 15) / 16);
    put_le32(ndb, 2 * 16 + 4, 1);    // package index
    put_le32(ndb, 2 * 16 + 8, 256);  // first block after the slot page
    put_le32(ndb, 2 * 16 + 12, blocks);
    std::string framed(blocks * 16, '\0');
    put_le32(framed, 0, 0x53626c42);  // "BlbS"
    put_le32(framed, 4, 1);
    put_le32(framed, 12, static_cast<uint32_t>(blob.size()));
    framed.replace(16, blob.size(), blob);
    uint32_t low = 1, high = 0;  // Adler-32 of everything before the tail
    for (size_t i = 0; i < framed.size() - 12; ++i) {
        low = (low + static_cast<unsigned char>(framed[i])) % 65521;
        high = (high + low) % 65521;
    }
    put_le32(framed, framed.size() - 12, high << 16 | low);
    put_le32(framed, framed.size() - 8, static_cast<uint32_t>(blob.size()));
    put_le32(framed, framed.size() - 4, 0x45626c42);  // "BlbE"
    return ndb + framed;
}

TEST(RpmAnalyzerDamage, PublicKeyPseudoPackagesAreSkipped) {
    // Not in any fixture: rpm --import stores keys as headers named gpg-pubkey.
    std::vector<std::string> warnings;
    auto real = read_rpm_database(single_package_ndb("bash"), RpmDbFormat::kNdb, &warnings);
    ASSERT_TRUE(real.ok()) << real.error().message;
    ASSERT_EQ(real->size(), 1u);
    EXPECT_EQ(real->front().name, "bash");
    auto key = read_rpm_database(single_package_ndb("gpg-pubkey"), RpmDbFormat::kNdb, &warnings);
    ASSERT_TRUE(key.ok()) << key.error().message;
    EXPECT_TRUE(key->empty());
    EXPECT_TRUE(warnings.empty()) << fmt::format("{}", fmt::join(warnings, "\n"));
}

}  // namespace
}  // namespace moat
