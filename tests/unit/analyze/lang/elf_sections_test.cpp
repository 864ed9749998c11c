#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../../support/dir_file_view.h"
#include "../../support/elf_builder.h"
#include "analyze/lang/elf/elf_sections.h"

namespace moat {
namespace {

using testing::ElfBuilder;

TEST(ElfSections, FindsASectionInEveryClassAndByteOrder) {
    for (const bool is_64_bit : {true, false})
        for (const bool little_endian : {true, false}) {
            const auto file = ElfBuilder(is_64_bit, little_endian)
                                  .section(".text", std::string(32, '\x90'))
                                  .section(".dep-v0", "payload")
                                  .section(".bss", "", elf::kSectionNoBits)
                                  .build();
            const auto parsed = elf::read_sections(file);
            ASSERT_TRUE(parsed.ok()) << parsed.error().message;
            EXPECT_EQ(parsed->is_64_bit, is_64_bit);
            EXPECT_EQ(parsed->little_endian, little_endian);
            EXPECT_EQ(parsed->machine, 62);
            ASSERT_EQ(parsed->sections.size(), 5u);
            EXPECT_EQ(parsed->sections[2].name, ".dep-v0");
            const auto found = elf::find_section(file, ".dep-v0");
            ASSERT_TRUE(found.ok());
            ASSERT_TRUE(found->has_value());
            EXPECT_EQ(**found, "payload");
            EXPECT_FALSE(elf::find_section(file, ".bss")->has_value());  // no bytes in the file
            EXPECT_FALSE(elf::find_section(file, ".go.buildinfo")->has_value());
        }
}

TEST(ElfSections, RealBinary) {
    const auto path = testing::shared_dir() / "fixtures/rust-binary/trivy-cargo-auditable-elf/input/usr/local/bin/test.elf";
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const auto parsed = elf::read_sections(bytes.str());
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_TRUE(parsed->is_64_bit);
    const auto section = elf::find_section(bytes.str(), ".dep-v0");
    ASSERT_TRUE(section.ok() && section->has_value());
    EXPECT_EQ((*section)->size(), 0x76u);  // as readelf -S reports it
}

TEST(ElfSections, MalformedTablesAreErrorsNotCrashes) {
    const auto good = ElfBuilder().section(".dep-v0", "payload").build();
    const ElfBuilder writer;
    auto broken = [&](size_t offset, unsigned width, uint64_t value) {
        std::string file = good;
        writer.put(file, offset, width, value);
        return elf::read_sections(file);
    };
    EXPECT_FALSE(broken(40, 8, good.size()).ok());           // table starts at the end of the file
    EXPECT_FALSE(broken(40, 8, ~uint64_t{0} - 8).ok());      // offset that overflows when added to
    EXPECT_FALSE(broken(58, 2, 16).ok());                    // entries smaller than a section header
    EXPECT_FALSE(broken(60, 2, 1000).ok());                  // more entries than the file holds
    EXPECT_FALSE(broken(62, 2, 7).ok());                     // name table index out of range
    const size_t table = good.size() - 3 * 64;
    EXPECT_FALSE(broken(table + 64 + 24, 8, ~uint64_t{0}).ok());  // section offset beyond the file
    EXPECT_FALSE(broken(table + 64 + 32, 8, good.size()).ok());   // section size beyond the file
    EXPECT_FALSE(broken(table + 64, 4, 100000).ok());             // name offset beyond the name table
    EXPECT_FALSE(elf::read_sections("\x7f" "ELF").ok());
    EXPECT_FALSE(elf::read_sections("MZ not elf").ok());
    std::string unknown_class = good;
    unknown_class[4] = 3;
    EXPECT_FALSE(elf::read_sections(unknown_class).ok());
    for (size_t cut = 0; cut < good.size(); ++cut) (void)elf::read_sections(good.substr(0, cut));
}

TEST(ElfSections, ExtendedSectionNumbering) {
    // e_shnum 0 and e_shstrndx SHN_XINDEX: the count and the name index come from section 0.
    std::string file = ElfBuilder().section(".dep-v0", "payload").build();
    const ElfBuilder writer;
    const size_t table = file.size() - 3 * 64;
    writer.put(file, 60, 2, 0);
    writer.put(file, 62, 2, 0xffff);
    writer.put(file, table + 32, 8, 3);  // section 0 sh_size: the count
    writer.put(file, table + 40, 4, 2);  // section 0 sh_link: the name table
    const auto found = elf::find_section(file, ".dep-v0");
    ASSERT_TRUE(found.ok()) << found.error().message;
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ(**found, "payload");
}

TEST(ElfSections, NoSectionTableIsNoSections) {
    std::string file = ElfBuilder().section(".dep-v0", "payload").build();
    ElfBuilder().put(file, 40, 8, 0);
    const auto parsed = elf::read_sections(file);
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(parsed->sections.empty());
}

}  // namespace
}  // namespace moat
