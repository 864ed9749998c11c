// .deb validation on packages built here with libarchive: a clean one accepted with its control
// fields, hostile ones (../ path, escaping symlink, absolute path, device node, absolute symlink
// in strict mode) refused with the package and entry named.
#include <gtest/gtest.h>

#include <archive.h>
#include <archive_entry.h>

#include <string>
#include <vector>

#include "fix/apt/deb_archive.h"

namespace moat::fix {
namespace {

struct Entry {
    std::string path;
    int type = AE_IFREG;
    std::string content_or_target;
};

std::string write_archive(void (*format)(archive*), const std::vector<Entry>& entries, bool gzip) {
    std::vector<char> buffer(1 << 20);
    std::size_t used = 0;
    archive* writer = archive_write_new();
    format(writer);
    if (gzip) archive_write_add_filter_gzip(writer);
    archive_write_open_memory(writer, buffer.data(), buffer.size(), &used);
    for (const auto& item : entries) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, item.path.c_str());
        archive_entry_set_filetype(entry, static_cast<unsigned>(item.type));
        archive_entry_set_perm(entry, 0644);
        if (item.type == AE_IFLNK) archive_entry_set_symlink(entry, item.content_or_target.c_str());
        if (item.type == AE_IFREG) archive_entry_set_size(entry, static_cast<la_int64_t>(item.content_or_target.size()));
        archive_write_header(writer, entry);
        if (item.type == AE_IFREG) archive_write_data(writer, item.content_or_target.data(), item.content_or_target.size());
        archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);
    return std::string(buffer.data(), used);
}

void tar_format(archive* writer) { archive_write_set_format_gnutar(writer); }
void ar_format(archive* writer) { archive_write_set_format_ar_svr4(writer); }

std::string make_deb(const std::vector<Entry>& data) {
    std::string control = write_archive(tar_format, {{"./control", AE_IFREG, "Package: demo\nVersion: 1.0\nArchitecture: amd64\n"}}, true);
    std::string payload = write_archive(tar_format, data, true);
    return write_archive(ar_format,
                         {{"debian-binary", AE_IFREG, "2.0\n"}, {"control.tar.gz", AE_IFREG, control}, {"data.tar.gz", AE_IFREG, payload}},
                         false);
}

Result<DebInfo> check(const std::vector<Entry>& data, DebCheckOptions options = {}) {
    std::string deb = make_deb(data);
    return read_and_validate_deb_memory(deb.data(), deb.size(), "demo.deb", options);
}

TEST(DebArchive, CleanPackageAcceptedWithControlFields) {
    auto info = check({{"./usr/", AE_IFDIR, ""},
                       {"./usr/bin/demo", AE_IFREG, "#!/bin/sh\n"},
                       {"./usr/lib/ssl/certs", AE_IFLNK, "/etc/ssl/certs"},  // as openssl ships
                       {"./usr/bin/demo2", AE_IFLNK, "demo"},
                       {"./usr/lib/up", AE_IFLNK, "../bin/demo"}});
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->control.at("Package"), "demo");
    EXPECT_EQ(info->control.at("Version"), "1.0");
    EXPECT_EQ(info->data_member, "data.tar.gz");
    EXPECT_EQ(info->data_entries, 5u);
}

void expect_refused(const std::vector<Entry>& data, const std::string& entry_name, DebCheckOptions options = {}) {
    auto info = check(data, options);
    ASSERT_FALSE(info.ok()) << "accepted a hostile entry " << entry_name;
    EXPECT_NE(info.error().message.find("package demo"), std::string::npos) << info.error().message;
    EXPECT_NE(info.error().message.find(entry_name), std::string::npos) << info.error().message;
}

TEST(DebArchive, DotDotPathRefused) { expect_refused({{"./usr/../../etc/passwd", AE_IFREG, "x"}}, "../../etc/passwd"); }

TEST(DebArchive, AbsolutePathRefused) { expect_refused({{"/etc/passwd", AE_IFREG, "x"}}, "/etc/passwd"); }

TEST(DebArchive, EscapingSymlinkRefused) {
    expect_refused({{"./usr/lib/evil", AE_IFLNK, "../../../etc/shadow"}}, "./usr/lib/evil");
    expect_refused({{"./evil", AE_IFLNK, "/../../etc"}}, "./evil");
}

TEST(DebArchive, AbsoluteSymlinkRefusedInStrictMode) {
    expect_refused({{"./usr/lib/ssl/certs", AE_IFLNK, "/etc/ssl/certs"}}, "./usr/lib/ssl/certs",
                   DebCheckOptions{.allow_absolute_symlinks = false});
}

TEST(DebArchive, DeviceNodeRefused) { expect_refused({{"./dev/sda", AE_IFBLK, ""}}, "./dev/sda"); }

TEST(DebArchive, NotADebRefused) {
    std::string junk = "!<arch>\nnot really";
    EXPECT_FALSE(read_and_validate_deb_memory(junk.data(), junk.size(), "junk.deb").ok());
}

}  // namespace
}  // namespace moat::fix
