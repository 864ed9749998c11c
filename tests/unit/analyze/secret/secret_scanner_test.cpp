// The SecretScanner as the walker drives it: entries, chunked bodies, layers; what it reads,
// what it skips, and the findings it records.
#include <gtest/gtest.h>

#include "analyze/secret/secret_scanner.h"
#include "secret_test_support.h"

namespace moat::testing {
namespace {

// Feeds one file as the walker would, in chunks of `chunk` bytes.
void feed(SecretScanner& scanner, std::string_view path, std::string_view body, size_t chunk = 1 << 20,
          EntryKind kind = EntryKind::Regular) {
    ObservedEntry entry;
    entry.path = path;
    entry.kind = kind;
    entry.mode = 0644;
    entry.size = body.size();
    if (!scanner.on_entry(entry)) return;
    for (size_t at = 0; at < body.size(); at += chunk) scanner.on_body_chunk(body.substr(at, chunk));
    scanner.on_body_end();
}

std::vector<std::string> ids(const SecretScanner& scanner) {
    std::vector<std::string> out;
    for (const auto& layered : scanner.findings()) out.push_back(layered.finding.id);
    return out;
}

const std::string kToken = cat({"ghp_", fake_chars(36, kAlnum, 77)});

TEST(SecretScanner, RecordsPathLayerLineRedactedMatchAndFix) {
    SecretScanner scanner;
    scanner.begin_layer(0, "sha256:aaa");
    feed(scanner, "etc/os-release", "ID=debian\n");
    scanner.begin_layer(1, "sha256:bbb");
    feed(scanner, "app/deploy.sh", "#!/bin/sh\n# deploy\nexport GH=" + kToken + "\n");
    ASSERT_EQ(scanner.findings().size(), 1u);
    const LayeredFinding& found = scanner.findings()[0];
    EXPECT_EQ(found.layer_index, 1u);
    EXPECT_EQ(found.finding.kind, "secret");
    EXPECT_EQ(found.finding.id, "github-pat");
    EXPECT_EQ(found.finding.severity, static_cast<int>(Severity::Critical));
    EXPECT_EQ(found.finding.path, "app/deploy.sh");
    EXPECT_EQ(found.finding.layer, "sha256:bbb");
    EXPECT_EQ(found.finding.line, 3u);
    EXPECT_EQ(found.finding.match, "ghp_" + std::string(kToken.size() - 8, '*') + kToken.substr(kToken.size() - 4));
    EXPECT_EQ(found.finding.evidence.find(kToken.substr(4, 20)), std::string::npos);
    EXPECT_FALSE(found.finding.fix.empty());
    EXPECT_FALSE(found.finding.title.empty());
}

TEST(SecretScanner, ReadsBodiesInChunksWithSecretsAcrossChunkBorders) {
    std::string body(100000, 'x');
    for (size_t i = 0; i < 1000; ++i) body[i * 100 + 99] = '\n';
    body.insert(50003, "\nkey: " + kToken + "\n");
    SecretScanner scanner;
    scanner.begin_layer(0, "");
    feed(scanner, "app/big.txt", body, 4096);
    ASSERT_EQ(ids(scanner), std::vector<std::string>{"github-pat"});
    EXPECT_EQ(scanner.findings()[0].finding.line, 502u);
    EXPECT_EQ(scanner.stats().files_scanned, 1u);
    EXPECT_EQ(scanner.stats().bytes_scanned, body.size());
}

TEST(SecretScanner, SkipsBinaryLargeAndSystemFilesButStillNamesSensitiveOnes) {
    SecretScanOptions options;
    options.max_file_bytes = 1000;
    SecretScanner scanner(SecretRuleSet::builtin(), options);
    scanner.begin_layer(0, "sha256:l0");
    std::string elf("\x7f" "ELF\x02\x01\x01\0\0\0", 10);
    feed(scanner, "usr/local/bin/tool", elf + "token " + kToken + "\n");  // a clean (or not) binary
    feed(scanner, "app/big.txt", std::string(2000, 'a') + kToken);        // over the cap
    feed(scanner, "usr/share/doc/pkg/README", "token " + kToken + "\n");  // documentation tree
    feed(scanner, "app/link", "token " + kToken, 1 << 20, EntryKind::Symlink);
    EXPECT_TRUE(scanner.findings().empty()) << ::testing::PrintToString(ids(scanner));
    EXPECT_EQ(scanner.stats().skipped_binary, 1u);
    EXPECT_EQ(scanner.stats().skipped_large, 1u);
    EXPECT_EQ(scanner.stats().skipped_by_path, 1u);

    feed(scanner, "root/.ssh/id_rsa", pem_block("RSA PRIVATE KEY"));
    feed(scanner, "app/huge.p12", std::string(5000, '\0'));
    EXPECT_EQ(ids(scanner), (std::vector<std::string>{"sensitive-file-ssh-private-key", "private-key",
                                                      "sensitive-file-pkcs12"}));
    EXPECT_EQ(scanner.findings()[0].finding.line, 0u);
    EXPECT_EQ(scanner.findings()[0].finding.layer, "sha256:l0");
    EXPECT_EQ(scanner.findings()[1].finding.line, 2u);
}

TEST(SecretScanner, ScanTextForImageConfigValues) {
    SecretScanner scanner;
    const std::string secret = fake_chars(40, kBase64, 5);
    auto findings = scanner.scan_text("AWS_SECRET_ACCESS_KEY=" + secret, "image-config:Env[AWS_SECRET_ACCESS_KEY]");
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].id, "aws-secret-access-key");
    EXPECT_EQ(findings[0].path, "image-config:Env[AWS_SECRET_ACCESS_KEY]");
    EXPECT_EQ(findings[0].layer, "");
    EXPECT_EQ(findings[0].line, 0u);
    EXPECT_EQ(findings[0].match.size(), 40u);
    EXPECT_EQ(findings[0].match.substr(4, 32), std::string(32, '*'));
    // Build history: the shell-history rules apply to RUN commands.
    auto history = scanner.scan_text("/bin/sh -c sshpass -p Tr0ub4dor3horse ssh root@host true",
                                     "image-config:History[3]");
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].id, "history-sshpass");
    EXPECT_TRUE(scanner.scan_text("PATH=/usr/local/bin:/usr/bin", "image-config:Env[PATH]").empty());
    EXPECT_TRUE(scanner.findings().empty()) << "scan_text does not record file findings";
}

}  // namespace
}  // namespace moat::testing
