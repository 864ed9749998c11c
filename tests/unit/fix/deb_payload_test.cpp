// Hostile packages are refused before anything is installed: a data tarball with ".." paths, an
// entry written through a symlink the package plants, a symlink climbing above the root.
#include <gtest/gtest.h>

#include "fix/deb_installer.h"
#include "fix_test_tree.h"

namespace moat::fix {
namespace {

namespace fs = std::filesystem;
using moat::testing::ScratchDir;
using moat::testing::TarMember;

// A .deb (ar: debian-binary, control.tar, data.tar) with the given data members.
fs::path make_deb(const fs::path& dir, const std::string& name, const std::vector<TarMember>& data) {
    moat::testing::write_file(dir / "control", "Package: " + name + "\nVersion: 1.0\nArchitecture: all\n"
                                               "Maintainer: t <t@example.invalid>\nDescription: test\n");
    moat::testing::write_tar(dir / "control.tar", {{"./control", 'f', moat::testing::read_file(dir / "control")}});
    moat::testing::write_tar(dir / "data.tar", data);
    fs::path deb = dir / (name + ".deb");
    archive* writer = archive_write_new();
    archive_write_set_format_ar_bsd(writer);
    archive_write_open_filename(writer, deb.c_str());
    for (const auto& [member, bytes] : std::vector<std::pair<std::string, std::string>>{
             {"debian-binary", "2.0\n"},
             {"control.tar", moat::testing::read_file(dir / "control.tar")},
             {"data.tar", moat::testing::read_file(dir / "data.tar")}}) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, member.c_str());
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_size(entry, static_cast<la_int64_t>(bytes.size()));
        archive_write_header(writer, entry);
        archive_write_data(writer, bytes.data(), bytes.size());
        archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);
    return deb;
}

TEST(DebPayload, OrdinaryPackageWithAbsoluteSymlinkPasses) {
    ScratchDir scratch;
    fs::path deb = make_deb(scratch.path(), "fine", {{"./usr/", 'd'}, {"./usr/lib/", 'd'},
                                                     {"./usr/lib/cert.pem", 'l', "/etc/ssl/certs/ca.crt"},
                                                     {"./usr/lib/libx.so", 'f', "ELF"}});
    Status status = check_deb_payload(deb, scratch.path());
    EXPECT_TRUE(status.ok()) << status.message();
}

TEST(DebPayload, RefusesDotDotPaths) {
    ScratchDir scratch;
    fs::path deb = make_deb(scratch.path(), "dotdot", {{"./../../etc/cron.d/evil", 'f', "x"}});
    Status status = check_deb_payload(deb, scratch.path());
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.message().find("climbs above the root"), std::string::npos) << status.message();
}

TEST(DebPayload, RefusesWritingThroughItsOwnSymlink) {
    ScratchDir scratch;
    fs::path deb = make_deb(scratch.path(), "through", {{"./usr/", 'd'}, {"./usr/evil", 'l', "/etc"},
                                                        {"./usr/evil/cron.d/job", 'f', "x"}});
    Status status = check_deb_payload(deb, scratch.path());
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.message().find("through the symlink /usr/evil"), std::string::npos) << status.message();
}

TEST(DebPayload, RefusesSymlinksClimbingAboveTheRoot) {
    ScratchDir scratch;
    fs::path deb = make_deb(scratch.path(), "climb", {{"./usr/", 'd'}, {"./usr/up", 'l', "../../../host"}});
    Status status = check_deb_payload(deb, scratch.path());
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.message().find("symlink climbing"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace moat::fix
