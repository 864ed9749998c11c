#include "analyze/baseline/baseline_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

#include "vulndb/vulndb.h"

namespace moat {
namespace {

constexpr std::string_view kShadow = "etc/shadow", kPasswd = "etc/passwd", kGroup = "etc/group";
constexpr std::string_view kSshdConfig = "etc/ssh/sshd_config", kSshdConfigDir = "etc/ssh/sshd_config.d/";

RiskFinding baseline(std::string id, Severity severity, std::string title, const FileContent& file,
                     std::string evidence, std::string fix) {
    RiskFinding finding;
    finding.kind = "baseline";
    finding.id = std::move(id);
    finding.severity = static_cast<int>(severity);
    finding.title = std::move(title);
    finding.path = file.path;
    finding.layer = file.layer;
    finding.evidence = std::move(evidence);
    finding.fix = std::move(fix);
    return finding;
}

// Colon-separated records of an account file, one per non-comment line, with its line number.
std::vector<std::pair<size_t, std::vector<std::string_view>>> records(std::string_view text) {
    std::vector<std::pair<size_t, std::vector<std::string_view>>> out;
    size_t number = 0;
    while (!text.empty()) {
        size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#' || line.front() == '+' || line.front() == '-') continue;  // NIS
        std::vector<std::string_view> fields;
        for (size_t start = 0;;) {
            size_t colon = line.find(':', start);
            fields.push_back(line.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
            if (colon == std::string_view::npos) break;
            start = colon + 1;
        }
        out.emplace_back(number, std::move(fields));
    }
    return out;
}

bool des_crypt(std::string_view hash) {
    return hash.size() == 13 && std::all_of(hash.begin(), hash.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '/';
           });
}

void check_passwords(const FileView& files, std::vector<RiskFinding>& out) {
    // A password field in passwd is used only when it is not "x" (shadowed); shadow's otherwise.
    for (auto [path, field_name] : {std::pair{kShadow, "etc/shadow"}, std::pair{kPasswd, "etc/passwd"}}) {
        auto file = files.read(path);
        if (!file) continue;
        for (const auto& [line, fields] : records(file->bytes)) {
            if (fields.size() < 2 || fields[0].empty()) continue;
            std::string_view user = fields[0], hash = fields[1];
            if (path == kPasswd && hash == "x") continue;
            if (hash.empty()) {
                out.push_back(baseline("DKL-LI-0001", Severity::Critical, fmt::format("Account with an empty password: {}", user),
                                       *file, fmt::format("{} line {}: the password field is empty", field_name, line),
                                       fmt::format("Lock the account: `passwd -l {}` (or set `!` in {})", user, field_name)));
                out.back().line = line;
            } else if (des_crypt(hash) || hash.starts_with("$1$")) {
                out.push_back(baseline("MOAT-LI-0001", Severity::High,
                                       fmt::format("Account with a weak password hash ({}): {}",
                                                   hash.starts_with("$1$") ? "MD5" : "DES", user),
                                       *file, fmt::format("{} line {}", field_name, line),
                                       "Lock the account or set a password hashed with yescrypt/SHA-512"));
                out.back().line = line;
            }
        }
    }
}

void check_duplicate_ids(const FileView& files, std::vector<RiskFinding>& out) {
    for (auto [path, what] : {std::pair{kPasswd, "UID"}, std::pair{kGroup, "GID"}}) {
        auto file = files.read(path);
        if (!file) continue;
        std::map<std::string_view, std::vector<std::string_view>> names_by_id;
        for (const auto& [line, fields] : records(file->bytes))
            if (fields.size() >= 3 && !fields[2].empty()) names_by_id[fields[2]].push_back(fields[0]);
        for (const auto& [id, names] : names_by_id) {
            if (names.size() < 2) continue;
            std::string list;
            for (const auto& name : names) list += (list.empty() ? "" : ", ") + std::string(name);
            out.push_back(baseline("DKL-LI-0002", Severity::Medium, fmt::format("Duplicate {} {}: {}", what, id, list), *file,
                                   fmt::format("{} entries share {} {}", names.size(), what, id),
                                   fmt::format("Give each entry of {} its own {}", path, what)));
        }
    }
}

// sshd takes the first value it reads for a keyword, expanding Include where it appears; a
// Match block applies only to some connections, so reading stops there.
struct SshdSetting {
    std::string value;
    FileContent file;
    size_t line = 0;
};

void read_sshd_config(const FileView& files, const FileContent& file, std::map<std::string, SshdSetting>& settings,
                      int depth) {
    std::string_view text = file.bytes;
    size_t number = 0;
    while (!text.empty()) {
        size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        ++number;
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
        if (line.empty() || line.front() == '#') continue;
        size_t space = line.find_first_of(" \t=");
        std::string keyword(line.substr(0, space));
        std::transform(keyword.begin(), keyword.end(), keyword.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string_view value = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
        while (!value.empty() && (std::isspace(static_cast<unsigned char>(value.front())) || value.front() == '='))
            value.remove_prefix(1);
        while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
        if (keyword == "match") return;
        if (keyword == "include" && depth < 4) {
            // Debian: "Include /etc/ssh/sshd_config.d/*.conf"; relative paths are under etc/ssh.
            std::string pattern(value);
            if (pattern.starts_with('/')) pattern.erase(0, 1); else pattern = "etc/ssh/" + pattern;
            const std::string prefix = pattern.substr(0, pattern.rfind('/') + 1);
            const bool glob = pattern.ends_with("/*.conf");
            auto included = files.files_matching([&](std::string_view path) {
                return glob ? path.starts_with(prefix) && path.ends_with(".conf") &&
                                  path.find('/', prefix.size()) == std::string_view::npos
                            : path == pattern;
            });
            for (const auto& next : included) read_sshd_config(files, next, settings, depth + 1);
            continue;
        }
        settings.try_emplace(keyword, SshdSetting{std::string(value), file, number});
    }
}

void check_sshd(const FileView& files, std::vector<RiskFinding>& out) {
    auto config = files.read(kSshdConfig);
    if (!config) return;
    std::map<std::string, SshdSetting> settings;
    read_sshd_config(files, *config, settings, 0);
    auto lowered = [](std::string text) {
        std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
        return text;
    };
    if (auto it = settings.find("permitrootlogin"); it != settings.end() && lowered(it->second.value) == "yes") {
        out.push_back(baseline("MOAT-LI-0002", Severity::High, "sshd permits root login with a password", it->second.file,
                               fmt::format("PermitRootLogin yes ({} line {})", it->second.file.path, it->second.line),
                               "Set `PermitRootLogin no` (or prohibit-password)"));
        out.back().line = it->second.line;
    }
    if (auto it = settings.find("passwordauthentication"); it != settings.end() && lowered(it->second.value) == "yes") {
        out.push_back(baseline("MOAT-LI-0003", Severity::Medium, "sshd allows password authentication", it->second.file,
                               fmt::format("PasswordAuthentication yes ({} line {})", it->second.file.path, it->second.line),
                               "Set `PasswordAuthentication no` and use keys"));
        out.back().line = it->second.line;
    }
}

void check_remote_login_servers(const std::vector<Package>& packages, std::vector<RiskFinding>& out) {
    static const std::set<std::string_view> kSsh = {"openssh-server", "dropbear", "dropbear-bin", "tinysshd"};
    static const std::set<std::string_view> kTelnet = {"telnetd", "inetutils-telnetd", "telnetd-ssl", "telnet-server",
                                                       "busybox-extras"};
    for (const auto& package : packages) {
        if (package.type != "deb" && package.type != "apk" && package.type != "rpm") continue;
        bool ssh = kSsh.count(package.name) > 0, telnet = kTelnet.count(package.name) > 0;
        if (!ssh && !telnet) continue;
        FileContent where{package.path, package.layer, {}};
        out.push_back(baseline(ssh ? "MOAT-LI-0004" : "MOAT-LI-0005", ssh ? Severity::Medium : Severity::High,
                               fmt::format("{} server installed: {}", ssh ? "SSH" : "Telnet", package.name), where,
                               fmt::format("package {} {}", package.name, package.version),
                               fmt::format("Remove {}; use `kubectl exec` / `docker exec` to reach containers", package.name)));
    }
}

// Setuid/setgid programs a base distribution ships for ordinary use.
bool usual_setuid(std::string_view path) {
    static const std::set<std::string_view> kUsual = {
        "passwd", "su", "sudo", "mount", "umount", "chsh", "chfn", "newgrp", "gpasswd", "ping", "ping6",
        "unix_chkpwd", "ssh-agent", "ssh-keysign", "expiry", "chage", "wall", "write", "crontab", "at",
        "pkexec", "fusermount", "fusermount3", "newuidmap", "newgidmap", "dbus-daemon-launch-helper",
        "polkit-agent-helper-1", "Xorg.wrap", "pam_timestamp_check", "userhelper", "utempter", "bsd-write",
        "dotlockfile", "mlocate", "plocate", "locate", "traceroute6.iputils", "staprun", "sg", "vlock"};
    size_t slash = path.rfind('/');
    return kUsual.count(slash == std::string_view::npos ? path : path.substr(slash + 1)) > 0;
}

bool system_path(std::string_view path) {
    for (std::string_view top : {"etc/", "usr/", "bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/", "boot/", "opt/"})
        if (path.starts_with(top) || path == top.substr(0, top.size() - 1)) return true;
    return false;
}

}  // namespace

PathInterest baseline_interest() {
    PathInterest interest;
    interest.exact = {std::string(kShadow), std::string(kPasswd), std::string(kGroup), std::string(kSshdConfig)};
    interest.globs = {std::string(kSshdConfigDir) + "*.conf"};
    interest.max_bytes = 16 << 20;
    return interest;
}

std::vector<RiskFinding> check_baseline_files(const FileView& files, const std::vector<Package>& packages) {
    std::vector<RiskFinding> out;
    check_passwords(files, out);
    check_duplicate_ids(files, out);
    check_sshd(files, out);
    check_remote_login_servers(packages, out);
    return out;
}

bool PermissionObserver::on_entry(const ObservedEntry& entry) {
    const bool regular = entry.kind == EntryKind::Regular, directory = entry.kind == EntryKind::Directory;
    if (regular && (entry.mode & 06000) && !usual_setuid(entry.path)) {
        RiskFinding finding;
        finding.kind = "baseline";
        finding.id = "CIS-DI-0008";
        finding.severity = static_cast<int>(Severity::Medium);
        finding.title = fmt::format("{} file outside the usual set: {}",
                                    (entry.mode & 04000) ? ((entry.mode & 02000) ? "setuid and setgid" : "setuid") : "setgid",
                                    entry.path);
        finding.path = std::string(entry.path);
        finding.evidence = fmt::format("mode {:04o}", entry.mode & 07777);
        finding.fix = fmt::format("Remove the bit in the Dockerfile: `chmod u-s,g-s /{}`", entry.path);
        found_.push_back(Located{std::move(finding), layer_});
    }
    const bool sticky_dir = directory && (entry.mode & 01000);
    if ((regular || directory) && (entry.mode & 0002) && !sticky_dir && system_path(entry.path)) {
        RiskFinding finding;
        finding.kind = "baseline";
        finding.id = "MOAT-LI-0006";
        finding.severity = static_cast<int>(Severity::Medium);
        finding.title = fmt::format("World-writable {} in a system directory: {}", directory ? "directory" : "file", entry.path);
        finding.path = std::string(entry.path);
        finding.evidence = fmt::format("mode {:04o}", entry.mode & 07777);
        finding.fix = fmt::format("`chmod o-w /{}` in the Dockerfile", entry.path);
        found_.push_back(Located{std::move(finding), layer_});
    }
    return false;
}

}  // namespace moat
