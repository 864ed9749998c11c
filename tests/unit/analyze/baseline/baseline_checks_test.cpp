#include "analyze/baseline/baseline_checks.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/support/memory_file_view.h"
#include "vulndb/vulndb.h"

namespace moat {
namespace {

using testing::MemoryFileView;

// Account and sshd files as Debian 12 ships them (abridged): no baseline finding.
const char* kDebianPasswd =
    "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "bin:x:2:2:bin:/bin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const char* kDebianShadow = "root:*:19676:0:99999:7:::\ndaemon:*:19676:0:99999:7:::\nbin:*:19676:0:99999:7:::\n"
                            "nobody:*:19676:0:99999:7:::\napp:!:19676::::::\n";
const char* kDebianGroup = "root:x:0:\ndaemon:x:1:\nbin:x:2:\nnogroup:x:65534:\n";
const char* kDebianSshd =
    "Include /etc/ssh/sshd_config.d/*.conf\n#PermitRootLogin prohibit-password\n#PasswordAuthentication yes\n"
    "KbdInteractiveAuthentication no\nUsePAM yes\nSubsystem sftp /usr/lib/openssh/sftp-server\n";

std::map<std::string, std::string> debian_files() {
    return {{"etc/passwd", kDebianPasswd},
            {"etc/shadow", kDebianShadow},
            {"etc/group", kDebianGroup},
            {"etc/ssh/sshd_config", kDebianSshd}};
}

std::vector<std::string> ids(const std::vector<RiskFinding>& findings) {
    std::vector<std::string> out;
    for (const auto& finding : findings) out.push_back(finding.id);
    return out;
}

TEST(BaselineChecks, DebianDefaultsHaveNoFinding) {
    MemoryFileView view(debian_files(), "sha256:base");
    EXPECT_TRUE(check_baseline_files(view, {}).empty()) << ::testing::PrintToString(ids(check_baseline_files(view, {})));
}

TEST(BaselineChecks, EmptyPasswordsAndWeakHashes) {
    auto files = debian_files();
    files["etc/shadow"] += "toor::19676:0:99999:7:::\nold:abJnggxhB/yWI:19676::::::\nmd5:$1$salt$qJH7.N4xYta3aEG/dfqo/0:1::::::\n"
                           "good:$y$j9T$abc$def:19676::::::\n";
    files["etc/passwd"] += "legacy::1001:1001::/home/legacy:/bin/sh\n";
    MemoryFileView view(files, "sha256:base");
    auto findings = check_baseline_files(view, {});
    ASSERT_EQ(ids(findings), (std::vector<std::string>{"DKL-LI-0001", "MOAT-LI-0001", "MOAT-LI-0001", "DKL-LI-0001"}));
    EXPECT_EQ(findings[0].title, "Account with an empty password: toor");
    EXPECT_EQ(findings[0].path, "etc/shadow");
    EXPECT_EQ(findings[0].layer, "sha256:base");
    EXPECT_EQ(findings[0].line, 6u);
    EXPECT_EQ(findings[0].severity, static_cast<int>(Severity::Critical));
    EXPECT_NE(findings[1].title.find("DES"), std::string::npos);
    EXPECT_NE(findings[2].title.find("MD5"), std::string::npos);
    EXPECT_EQ(findings[3].path, "etc/passwd");
}

TEST(BaselineChecks, DuplicateUidsAndGids) {
    auto files = debian_files();
    files["etc/passwd"] += "toor:x:0:0:root:/root:/bin/bash\n";
    files["etc/group"] += "wheel:x:1:\n";
    MemoryFileView view(files);
    auto findings = check_baseline_files(view, {});
    ASSERT_EQ(ids(findings), (std::vector<std::string>{"DKL-LI-0002", "DKL-LI-0002"}));
    EXPECT_EQ(findings[0].title, "Duplicate UID 0: root, toor");
    EXPECT_EQ(findings[1].title, "Duplicate GID 1: daemon, wheel");
}

TEST(BaselineChecks, SshdFirstValueWinsIncludesFirstMatchBlocksIgnored) {
    auto files = debian_files();
    files["etc/ssh/sshd_config.d/10-root.conf"] = "PermitRootLogin yes\n";
    files["etc/ssh/sshd_config"] = std::string(kDebianSshd) + "PermitRootLogin no\nMatch User backup\n  PasswordAuthentication yes\n";
    MemoryFileView view(files);
    auto findings = check_baseline_files(view, {});
    ASSERT_EQ(ids(findings), std::vector<std::string>{"MOAT-LI-0002"});
    EXPECT_EQ(findings[0].path, "etc/ssh/sshd_config.d/10-root.conf") << "the included file is read first";

    files.erase("etc/ssh/sshd_config.d/10-root.conf");
    files["etc/ssh/sshd_config"] = "PasswordAuthentication yes\nPasswordAuthentication no\n";
    MemoryFileView second(files);
    findings = check_baseline_files(second, {});
    ASSERT_EQ(ids(findings), std::vector<std::string>{"MOAT-LI-0003"});
    EXPECT_EQ(findings[0].line, 1u);
}

TEST(BaselineChecks, RemoteLoginServersFromThePackageList) {
    MemoryFileView view(debian_files());
    Package ssh{.type = "deb", .name = "openssh-server", .version = "1:9.2p1-2"};
    ssh.path = "var/lib/dpkg/status";
    ssh.layer = "sha256:l2";
    Package telnet{.type = "apk", .name = "busybox-extras", .version = "1.36.1-r5"};
    Package client{.type = "deb", .name = "openssh-client", .version = "1:9.2p1-2"};
    auto findings = check_baseline_files(view, {ssh, telnet, client});
    ASSERT_EQ(ids(findings), (std::vector<std::string>{"MOAT-LI-0004", "MOAT-LI-0005"}));
    EXPECT_EQ(findings[0].path, "var/lib/dpkg/status");
    EXPECT_EQ(findings[0].layer, "sha256:l2");
}

TEST(PermissionObserver, UnusualSetuidAndWorldWritableSystemFiles) {
    PermissionObserver observer;
    observer.begin_layer(1, "sha256:l1");
    for (const auto& entry : std::vector<ObservedEntry>{
             {"usr/bin/passwd", EntryKind::Regular, 04755, 1, {}},        // usual
             {"usr/local/bin/backdoor", EntryKind::Regular, 04755, 1, {}},  // not usual
             {"usr/bin/wall", EntryKind::Regular, 02755, 1, {}},          // usual setgid
             {"opt/tool/helper", EntryKind::Regular, 02755, 1, {}},       // not usual setgid
             {"tmp", EntryKind::Directory, 01777, 0, {}},                 // sticky, not a system dir anyway
             {"usr/local/share/cache", EntryKind::Directory, 0777, 0, {}},
             {"etc/app.conf", EntryKind::Regular, 0666, 1, {}},
             {"var/tmp/x", EntryKind::Regular, 0666, 1, {}},              // not a system directory
             {"usr/lib/link", EntryKind::Symlink, 0777, 0, "target"}}) {  // symlinks are always 0777
        EXPECT_FALSE(observer.on_entry(entry)) << "no bodies needed";
    }
    std::vector<std::string> seen;
    for (const auto& located : observer.findings()) {
        seen.push_back(located.finding.id + " " + located.finding.path);
        EXPECT_EQ(located.layer_index, 1u);
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"CIS-DI-0008 usr/local/bin/backdoor", "CIS-DI-0008 opt/tool/helper",
                                              "MOAT-LI-0006 usr/local/share/cache", "MOAT-LI-0006 etc/app.conf"}));
}

}  // namespace
}  // namespace moat
