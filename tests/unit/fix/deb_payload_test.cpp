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
fs::path make_deb(const fs::path& dir, const std::string& name, const std::vector<TarMember>& data,
                  const std::string& version = "1.0") {
    moat::testing::write_file(dir / "control",
                              "Package: " + name + "\nVersion: " + version +
                                  "\nArchitecture: all\n"
                                  "Maintainer: t <t@example.invalid>\nDescription: test\n");
    moat::testing::write_tar(dir / "control.tar",
                             {{"./control", 'f', moat::testing::read_file(dir / "control")}});
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
    fs::path deb = make_deb(scratch.path(), "fine",
                            {{"./usr/", 'd'},
                             {"./usr/lib/", 'd'},
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
    EXPECT_NE(status.message().find("climbs above the root"), std::string::npos)
        << status.message();
}

TEST(DebPayload, RefusesWritingThroughItsOwnSymlink) {
    ScratchDir scratch;
    fs::path deb = make_deb(
        scratch.path(), "through",
        {{"./usr/", 'd'}, {"./usr/evil", 'l', "/etc"}, {"./usr/evil/cron.d/job", 'f', "x"}});
    Status status = check_deb_payload(deb, scratch.path());
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.message().find("through the symlink /usr/evil"), std::string::npos)
        << status.message();
}

TEST(DebPayload, RefusesSymlinksClimbingAboveTheRoot) {
    ScratchDir scratch;
    fs::path deb =
        make_deb(scratch.path(), "climb", {{"./usr/", 'd'}, {"./usr/up", 'l', "../../../host"}});
    Status status = check_deb_payload(deb, scratch.path());
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.message().find("symlink climbing"), std::string::npos) << status.message();
}

// Not root (or asked): files unpacked, dpkg's status stanza and file list replaced by hand, files
// the old version had and the new one lacks removed; other packages untouched.
TEST(DirectInstall, UpdatesDpkgDatabaseAndFiles) {
    ScratchDir scratch;
    fs::path root = scratch.path() / "root";
    moat::testing::write_file(
        root / "var/lib/dpkg/status",
        "Package: bar\nStatus: install ok installed\nVersion: 2.0\nArchitecture: all\n\n"
        "Package: foo\nStatus: install ok installed\nVersion: 1.0\nArchitecture: all\n"
        "Description: old\n long text\n");
    moat::testing::write_file(root / "var/lib/dpkg/info/foo.list",
                              "/.\n/usr\n/usr/share\n/usr/share/foo\n/usr/share/foo/old.txt\n");
    moat::testing::write_file(root / "usr/share/foo/old.txt", "old");
    fs::path debs = scratch.path() / "debs";
    fs::create_directories(debs);
    fs::path deb = make_deb(debs, "foo",
                            {{"./", 'd'},
                             {"./usr/", 'd'},
                             {"./usr/share/", 'd'},
                             {"./usr/share/foo/", 'd'},
                             {"./usr/share/foo/new.txt", 'f', "new"}},
                            "1.1");
    InstallOptions options;
    options.force_direct = true;
    auto report = install_debs(root, {deb}, options);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->mode, InstallMode::DirectUnpack);
    ASSERT_FALSE(report->warnings.empty());
    EXPECT_NE(report->warnings[0].find("maintainer scripts did not run"), std::string::npos);
    EXPECT_EQ(moat::testing::read_file(root / "usr/share/foo/new.txt"), "new");
    EXPECT_FALSE(fs::exists(root / "usr/share/foo/old.txt"));
    std::string status = moat::testing::read_file(root / "var/lib/dpkg/status");
    EXPECT_NE(status.find("Package: foo\nStatus: install ok installed\nVersion: 1.1\n"),
              std::string::npos)
        << status;
    EXPECT_NE(status.find("Package: bar\nStatus: install ok installed\nVersion: 2.0\n"),
              std::string::npos)
        << status;
    EXPECT_EQ(status.find("Version: 1.0"), std::string::npos) << status;
    EXPECT_EQ(status.find("long text"), std::string::npos) << status;
    std::string list = moat::testing::read_file(root / "var/lib/dpkg/info/foo.list");
    EXPECT_NE(list.find("/usr/share/foo/new.txt\n"), std::string::npos) << list;
    EXPECT_EQ(list.find("old.txt"), std::string::npos) << list;
}

TEST(DirectInstall, RefusesAHostilePackageBeforeInstallingAnything) {
    ScratchDir scratch;
    fs::path root = scratch.path() / "root";
    moat::testing::write_file(root / "var/lib/dpkg/status",
                              "Package: foo\nStatus: install ok installed\nVersion: 1.0\n");
    fs::create_directories(root / "var/lib/dpkg/info");
    fs::path good_dir = scratch.path() / "good", bad_dir = scratch.path() / "bad";
    fs::create_directories(good_dir);
    fs::create_directories(bad_dir);
    fs::path good =
        make_deb(good_dir, "foo", {{"./usr/", 'd'}, {"./usr/good", 'f', "good"}}, "1.1");
    fs::path bad =
        make_deb(bad_dir, "evil",
                 {{"./usr/", 'd'}, {"./usr/link", 'l', "/etc"}, {"./usr/link/x", 'f', "x"}});
    InstallOptions options;
    options.force_direct = true;
    auto report = install_debs(root, {good, bad}, options);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.error().message.find("refused"), std::string::npos) << report.error().message;
    EXPECT_FALSE(fs::exists(root / "usr/good"));
}

}  // namespace
}  // namespace moat::fix
