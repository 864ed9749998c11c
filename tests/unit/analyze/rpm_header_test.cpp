// RPM header blob parsing on blobs built here, field by field, and on hostile blobs: every
// malformed count, offset or type is an Error, never a crash or a huge allocation.
#include "analyze/pkg/rpm/rpm_header.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace moat::rpm {
namespace {

constexpr uint32_t kInt32 = 4, kString = 6, kStringArray = 8;

// Writes a header blob the way rpm stores it: big-endian counts, 16-byte index entries, then
// the data store. Entries can also be added raw, to lie about offsets, counts and types.
class HeaderBuilder {
  public:
    HeaderBuilder& string(uint32_t tag, const std::string& value) {
        entries_.push_back({tag, kString, static_cast<uint32_t>(data_.size()), 1});
        data_ += value + '\0';
        return *this;
    }
    HeaderBuilder& strings(uint32_t tag, const std::vector<std::string>& values) {
        entries_.push_back({tag, kStringArray, static_cast<uint32_t>(data_.size()),
                            static_cast<uint32_t>(values.size())});
        for (const auto& value : values) data_ += value + '\0';
        return *this;
    }
    HeaderBuilder& int32s(uint32_t tag, const std::vector<uint32_t>& values) {
        while (data_.size() % 4) data_.push_back('\0');
        entries_.push_back({tag, kInt32, static_cast<uint32_t>(data_.size()),
                            static_cast<uint32_t>(values.size())});
        for (uint32_t value : values) data_ += be32(value);
        return *this;
    }
    HeaderBuilder& raw_entry(uint32_t tag, uint32_t type, uint32_t offset, uint32_t count) {
        entries_.push_back({tag, type, offset, count});
        return *this;
    }
    HeaderBuilder& raw_data(const std::string& bytes) {
        data_ += bytes;
        return *this;
    }
    std::string build() const {
        return build_claiming(static_cast<uint32_t>(entries_.size()),
                              static_cast<uint32_t>(data_.size()));
    }
    std::string build_claiming(uint32_t index_count, uint32_t data_bytes) const {
        std::string blob = be32(index_count) + be32(data_bytes);
        for (const Entry& entry : entries_)
            blob += be32(entry.tag) + be32(entry.type) + be32(entry.offset) + be32(entry.count);
        return blob + data_;
    }

  private:
    struct Entry {
        uint32_t tag, type, offset, count;
    };
    static std::string be32(uint32_t value) {
        return {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                static_cast<char>(value >> 8), static_cast<char>(value)};
    }
    std::vector<Entry> entries_;
    std::string data_;
};

HeaderBuilder minimal_package() {
    HeaderBuilder builder;
    builder.string(1000, "bash").string(1001, "5.1.8").string(1002, "6.el9").string(1022, "x86_64");
    return builder;
}

TEST(RpmHeader, ReadsTheFieldsAScannerNeeds) {
    auto header = parse_header(minimal_package()
                                   .string(1044, "bash-5.1.8-6.el9.src.rpm")
                                   .string(1014, "GPLv3+")
                                   .string(1011, "Rocky Enterprise Software Foundation")
                                   .string(5096, "nodejs:18:9020020230822:rhel9")
                                   .int32s(1003, {3})
                                   .build());
    ASSERT_TRUE(header.ok()) << header.error().message;
    EXPECT_EQ(header->name, "bash");
    EXPECT_EQ(header->version, "5.1.8");
    EXPECT_EQ(header->release, "6.el9");
    EXPECT_EQ(header->arch, "x86_64");
    EXPECT_EQ(header->epoch, 3);
    EXPECT_EQ(header->source_rpm, "bash-5.1.8-6.el9.src.rpm");
    EXPECT_EQ(header->license, "GPLv3+");
    EXPECT_EQ(header->vendor, "Rocky Enterprise Software Foundation");
    EXPECT_EQ(header->modularity_label, "nodejs:18:9020020230822:rhel9");
}

TEST(RpmHeader, TellsAnAbsentEpochFromZero) {
    auto without = parse_header(minimal_package().build());
    auto zero = parse_header(minimal_package().int32s(1003, {0}).build());
    ASSERT_TRUE(without.ok() && zero.ok());
    EXPECT_FALSE(without->epoch.has_value());
    EXPECT_EQ(zero->epoch, 0);
}

TEST(RpmHeader, JoinsDirectoriesAndBasenamesWithoutLeadingSlash) {
    auto header = parse_header(minimal_package()
                                   .strings(1118, {"/usr/bin/", "/etc/"})
                                   .strings(1117, {"bash", "bashrc", "skel"})
                                   .int32s(1116, {0, 1, 1})
                                   .build());
    ASSERT_TRUE(header.ok()) << header.error().message;
    EXPECT_EQ(header->files, (std::vector<std::string>{"usr/bin/bash", "etc/bashrc", "etc/skel"}));
}

TEST(RpmHeader, ReadsOldStyleFileNames) {
    auto header =
        parse_header(minimal_package().strings(1027, {"/bin/sh", "/etc/profile"}).build());
    ASSERT_TRUE(header.ok());
    EXPECT_EQ(header->files, (std::vector<std::string>{"bin/sh", "etc/profile"}));
}

TEST(RpmHeader, LaterEntryOfATagWins) {
    // rpm appends entries after install outside the immutable region; they override.
    auto header = parse_header(
        minimal_package().string(1014, "GPL").string(1014, "GPL-3.0-or-later").build());
    ASSERT_TRUE(header.ok());
    EXPECT_EQ(header->license, "GPL-3.0-or-later");
}

TEST(RpmHeader, SplitsSourceRpmNames) {
    auto source = split_source_rpm("util-linux-2.32.1-42.el8_8.src.rpm");
    ASSERT_TRUE(source.has_value());
    EXPECT_EQ(source->name, "util-linux");
    EXPECT_EQ(source->version, "2.32.1");
    EXPECT_EQ(source->release, "42.el8_8");
    auto nosrc = split_source_rpm("java-17-openjdk-17.0.9.0.9-2.el9.nosrc.rpm");
    ASSERT_TRUE(nosrc.has_value());
    EXPECT_EQ(nosrc->name, "java-17-openjdk");
    EXPECT_FALSE(split_source_rpm("").has_value());
    EXPECT_FALSE(split_source_rpm("(none)").has_value());
    EXPECT_FALSE(split_source_rpm("nodashes.src.rpm").has_value());
    EXPECT_FALSE(split_source_rpm("-1.src.rpm").has_value());
    EXPECT_FALSE(split_source_rpm("name-1-.src.rpm").has_value());
}

// --- hostile blobs --------------------------------------------------------------------------

void expect_error(const std::string& blob, const std::string& what) {
    auto header = parse_header(blob);
    EXPECT_FALSE(header.ok()) << what;
}

TEST(RpmHeaderHostile, RejectsShortAndEmptyBlobs) {
    expect_error("", "empty");
    expect_error(std::string("\0\0\0\1\0\0\0", 7), "7 bytes");
    expect_error(minimal_package().build_claiming(0, 0), "zero entries");
}

TEST(RpmHeaderHostile, RejectsIndexCountsThatOverflowOrLie) {
    const HeaderBuilder builder = minimal_package();
    expect_error(builder.build_claiming(0x10000, 40), "more entries than rpm allows");
    expect_error(builder.build_claiming(0xffffffffu, 40),
                 "index count whose byte size overflows 32 bits");
    expect_error(builder.build_claiming(0x10000000u, 0xf0000000u), "sum overflowing 32 bits");
    expect_error(builder.build_claiming(4, 0xffffffffu), "data length beyond rpm's limit");
    expect_error(builder.build_claiming(5, 40), "one entry more than present");
}

TEST(RpmHeaderHostile, EveryTruncationIsAnError) {
    const std::string blob = minimal_package()
                                 .strings(1118, {"/usr/bin/"})
                                 .strings(1117, {"bash"})
                                 .int32s(1116, {0})
                                 .build();
    ASSERT_TRUE(parse_header(blob).ok());
    for (size_t length = 0; length < blob.size(); ++length)
        expect_error(blob.substr(0, length), "prefix of " + std::to_string(length) + " bytes");
}

TEST(RpmHeaderHostile, RejectsEntriesPointingOutsideTheDataStore) {
    expect_error(HeaderBuilder().raw_entry(1000, kString, 1000, 1).raw_data("bash").build(),
                 "offset past the store");
    expect_error(HeaderBuilder().raw_entry(1000, kString, 0, 1).raw_data("bash").build(),
                 "string without NUL");
    expect_error(HeaderBuilder()
                     .raw_entry(1000, kStringArray, 0, 0xffffffffu)
                     .raw_data(std::string("bash\0", 5))
                     .build(),
                 "string array count huge");
    expect_error(minimal_package().raw_entry(1027, kStringArray, 0, 0x7fffffffu).build(),
                 "file name count huge");
    expect_error(minimal_package().raw_entry(1003, kInt32, 0, 0x40000001u).build(),
                 "int32 count * 4 wraps");
    expect_error(minimal_package().raw_entry(1003, kInt32, 0xfffffffcu, 2).build(),
                 "int32 offset + size wraps");
    expect_error(minimal_package().raw_entry(1003, kInt32, 0, 0).build(), "EPOCH with no value");
    expect_error(HeaderBuilder().raw_entry(1000, kInt32, 0, 1).raw_data("bash").build(),
                 "NAME of the wrong type");
    expect_error(HeaderBuilder().string(1001, "1.0").build(), "no NAME");
}

TEST(RpmHeaderHostile, RejectsInconsistentFileLists) {
    expect_error(minimal_package()
                     .strings(1118, {"/usr/"})
                     .strings(1117, {"a", "b"})
                     .int32s(1116, {0, 7})
                     .build(),
                 "directory index out of range");
    expect_error(minimal_package()
                     .strings(1118, {"/usr/"})
                     .strings(1117, {"a", "b"})
                     .int32s(1116, {0})
                     .build(),
                 "fewer directory indexes than basenames");
    expect_error(minimal_package().strings(1117, {"a"}).build(), "basenames alone");
}

TEST(RpmHeaderHostile, RefusesFileListsThatExpandWithoutBound) {
    // One 60 KB directory name shared by 20000 one-byte basenames would expand to 1.2 GB.
    const std::vector<std::string> basenames(20000, "x");
    const std::vector<uint32_t> indexes(20000, 0);
    expect_error(minimal_package()
                     .strings(1118, {std::string(60000, 'd')})
                     .strings(1117, basenames)
                     .int32s(1116, indexes)
                     .build(),
                 "file-list bomb");
}

}  // namespace
}  // namespace moat::rpm
