// InRelease: clearsign extraction, Release fields, Valid-Until, and gpgv verification of a real
// InRelease from this machine's mirror (skipped when unreachable) and of a tampered copy.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "fix/apt/release_file.h"
#include "fix/apt/repo_fetch.h"
#include "test_support/apt_mirror.h"
#include "util/temp_dir.h"

namespace moat::fix {
namespace {

constexpr const char* kSigned =
    "-----BEGIN PGP SIGNED MESSAGE-----\n"
    "Hash: SHA512\n"
    "\n"
    "Suite: stable\n"
    "Codename: bookworm\n"
    "Valid-Until: Sat, 30 Nov 2024 20:12:34 UTC\n"
    "- -dashed line\n"
    "SHA256:\n"
    " 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 1234 main/binary-amd64/Packages.xz\n"
    "-----BEGIN PGP SIGNATURE-----\n"
    "\n"
    "iQIzBAEBCgAdFiEE\n"
    "-----END PGP SIGNATURE-----\n";

TEST(ReleaseFile, ClearsignedTextDropsArmorAndUnescapesDashes) {
    auto text = clearsigned_text(kSigned);
    ASSERT_TRUE(text.ok()) << text.error().message;
    EXPECT_EQ(text->find("Hash:"), std::string::npos);
    EXPECT_NE(text->find("\n-dashed line\n"), std::string::npos);
    EXPECT_EQ(text->find("PGP"), std::string::npos);
}

TEST(ReleaseFile, UnsignedOrTrailingTextRefused) {
    EXPECT_FALSE(clearsigned_text("Suite: stable\nSHA256:\n").ok());
    EXPECT_FALSE(clearsigned_text(std::string(kSigned) + "Suite: evil\n").ok());
}

TEST(ReleaseFile, FieldsAndSha256ListParsed) {
    auto release = parse_release(*clearsigned_text(kSigned));
    ASSERT_TRUE(release.ok()) << release.error().message;
    EXPECT_EQ(release->codename, "bookworm");
    ASSERT_EQ(release->sha256.count("main/binary-amd64/Packages.xz"), 1u);
    EXPECT_EQ(release->sha256.at("main/binary-amd64/Packages.xz").size, 1234u);
}

TEST(ReleaseFile, ValidUntilChecked) {
    std::tm tm{};
    tm.tm_year = 2024 - 1900;
    tm.tm_mon = 10;
    tm.tm_mday = 29;
    std::time_t before = timegm(&tm);
    tm.tm_mday = 2;  // 2 December
    tm.tm_mon = 11;
    std::time_t after = timegm(&tm);
    EXPECT_FALSE(release_expired("Sat, 30 Nov 2024 20:12:34 UTC", before));
    EXPECT_TRUE(release_expired("Sat, 30 Nov 2024 20:12:34 UTC", after));
    EXPECT_FALSE(release_expired("", after));
    EXPECT_TRUE(release_expired("garbage", before));
}

TEST(ReleaseFile, RealInReleaseVerifiesAndTamperedCopyFails) {
    const std::string keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
    if (!std::filesystem::exists(keyring)) GTEST_SKIP() << "debian-archive-keyring is not installed";
    auto temp = private_temp_dir();
    ASSERT_TRUE(temp.ok());
    auto file = *temp / "test-InRelease";
    std::string url = test_support::apt_mirror() + "/dists/bookworm/InRelease";
    if (auto status = download_file(url, file, 16 << 20); !status)
        GTEST_SKIP() << "the machine's Debian mirror is unreachable: " << status.message();
    auto status = verify_clearsigned(file, keyring, "mirror bookworm");
    ASSERT_TRUE(status.ok()) << status.message();

    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    auto at = text.find("Codename: bookworm");
    ASSERT_NE(at, std::string::npos);
    text[at + 10] = 'c';  // "bookworm" -> "cookworm" inside the signed text
    auto tampered = *temp / "test-InRelease-tampered";
    std::ofstream(tampered, std::ios::binary) << text;
    auto bad = verify_clearsigned(tampered, keyring, "mirror bookworm");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.message().find("mirror bookworm"), std::string::npos);

    // A keyring that does not hold the archive key does not verify it either.
    auto empty_keyring = *temp / "empty.gpg";
    std::ofstream(empty_keyring).close();
    EXPECT_FALSE(verify_clearsigned(file, empty_keyring, "mirror bookworm").ok());
    std::filesystem::remove(file);
    std::filesystem::remove(tampered);
    std::filesystem::remove(empty_keyring);
}

}  // namespace
}  // namespace moat::fix
