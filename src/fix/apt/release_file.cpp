// InRelease verification and parsing (see release_file.h).
#include "fix/apt/release_file.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <sstream>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace moat::fix {
namespace {

constexpr std::size_t kMaxStatusOutput = 1 << 20;

std::string trim(std::string_view text) {
    auto start = text.find_first_not_of(" \t\r");
    if (start == std::string_view::npos) return {};
    auto end = text.find_last_not_of(" \t\r");
    return std::string(text.substr(start, end - start + 1));
}

// Runs gpgv with arguments (no shell); returns its exit code and status-fd output.
Result<std::pair<int, std::string>> run_gpgv(const std::filesystem::path& file, const std::filesystem::path& keyring) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return Error{fmt::format("cannot create a pipe for gpgv: {}", std::strerror(errno))};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::string keyring_arg = keyring.string(), file_arg = file.string();
    std::vector<char*> argv{const_cast<char*>("gpgv"), const_cast<char*>("--keyring"), keyring_arg.data(),
                            const_cast<char*>("--status-fd"), const_cast<char*>("1"), const_cast<char*>("--"),
                            file_arg.data(), nullptr};
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, "gpgv", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (rc != 0) {
        close(pipe_fds[0]);
        return Error{fmt::format("cannot run gpgv (is it installed?): {}", std::strerror(rc))};
    }
    std::string output;
    char buffer[4096];
    for (;;) {
        ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (output.size() < kMaxStatusOutput) output.append(buffer, static_cast<std::size_t>(n));
    }
    close(pipe_fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    return std::pair{exit_code, std::move(output)};
}

}  // namespace

Status verify_clearsigned(const std::filesystem::path& file, const std::filesystem::path& keyring,
                          const std::string& what) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(keyring, error))
        return Error{fmt::format("{}: archive keyring {} not found", what, keyring.string())};
    auto run = run_gpgv(file, keyring);
    if (!run) return Error{fmt::format("{}: {}", what, run.error().message)};
    const auto& [exit_code, output] = *run;
    bool good = false, valid = false, bad = false;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("[GNUPG:] ")) continue;
        std::string keyword = line.substr(9, line.find(' ', 9) == std::string::npos ? std::string::npos : line.find(' ', 9) - 9);
        if (keyword == "GOODSIG") good = true;
        else if (keyword == "VALIDSIG") valid = true;
        else if (keyword == "BADSIG" || keyword == "ERRSIG" || keyword == "EXPKEYSIG" || keyword == "REVKEYSIG" ||
                 keyword == "NODATA")
            bad = true;
    }
    if (exit_code != 0 || !good || !valid || bad)
        return Error{fmt::format("{}: InRelease is not signed by a key in {} (gpgv exit {}{}) — refusing the repository",
                                 what, keyring.string(), exit_code, bad ? ", bad or unverifiable signature" : "")};
    return Status::Ok();
}

Result<std::string> clearsigned_text(std::string_view message) {
    constexpr std::string_view kBegin = "-----BEGIN PGP SIGNED MESSAGE-----";
    constexpr std::string_view kSignature = "-----BEGIN PGP SIGNATURE-----";
    constexpr std::string_view kEnd = "-----END PGP SIGNATURE-----";
    std::vector<std::string_view> lines;
    std::size_t at = 0;
    while (at < message.size()) {
        auto nl = message.find('\n', at);
        if (nl == std::string_view::npos) nl = message.size();
        std::string_view line = message.substr(at, nl - at);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        at = nl + 1;
    }
    std::size_t i = 0;
    while (i < lines.size() && trim(lines[i]).empty()) ++i;
    if (i == lines.size() || lines[i] != kBegin) return Error{"not an OpenPGP clearsigned message (unsigned Release?)"};
    ++i;
    while (i < lines.size() && !lines[i].empty()) ++i;  // armor headers ("Hash: SHA512")
    if (i == lines.size()) return Error{"clearsigned message has no signed text"};
    ++i;
    std::string text;
    bool first = true;
    for (; i < lines.size() && lines[i] != kSignature; ++i) {
        std::string_view line = lines[i];
        if (line.starts_with("- ")) line.remove_prefix(2);
        else if (line.starts_with("-")) return Error{"clearsigned message has an unescaped dash line in its signed text"};
        if (!first) text += '\n';
        text.append(line);
        first = false;
    }
    if (i == lines.size()) return Error{"clearsigned message has no signature"};
    for (; i < lines.size() && lines[i] != kEnd; ++i) {
    }
    if (i == lines.size()) return Error{"clearsigned message's signature is not terminated"};
    for (++i; i < lines.size(); ++i)
        if (!trim(lines[i]).empty()) return Error{"clearsigned message has text after its signature"};
    return text + '\n';
}

Result<ReleaseFile> parse_release(std::string_view text) {
    ReleaseFile release;
    std::istringstream lines{std::string(text)};
    std::string field;
    std::size_t entries = 0;
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        if (line[0] == ' ' || line[0] == '\t') {
            if (field != "SHA256") continue;
            std::istringstream words(line);
            std::string hash, path;
            std::uint64_t size = 0;
            if (!(words >> hash >> size >> path) || hash.size() != 64) continue;
            if (++entries > 100000) return Error{"Release lists too many files"};
            release.sha256[path] = {hash, size};
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;  // not a field; fields that matter are checked below
        field = line.substr(0, colon);
        std::string value = trim(std::string_view(line).substr(colon + 1));
        if (field == "Suite") release.suite = value;
        else if (field == "Codename") release.codename = value;
        else if (field == "Valid-Until") release.valid_until = value;
    }
    if (release.sha256.empty()) return Error{"Release has no SHA256 file list"};
    return release;
}

bool release_expired(const std::string& valid_until, std::time_t now) {
    if (valid_until.empty()) return false;
    std::tm tm{};
    const char* end = strptime(valid_until.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
    if (end == nullptr) return true;
    std::string zone = trim(end);
    if (!zone.empty() && zone != "UTC" && zone != "GMT" && zone != "+0000" && zone != "Z") return true;
    return timegm(&tm) < now;
}

}  // namespace moat::fix
