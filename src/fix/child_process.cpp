#include "fix/child_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace moat::fix {
namespace fs = std::filesystem;

Result<int> run_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                        std::string& output, const std::function<bool()>& in_child,
                        const fs::path& stdout_file) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        return Error{fmt::format("cannot start {}: {}", argv[0], std::strerror(errno))};
    std::vector<char*> args, envp;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    for (const auto& var : env) envp.push_back(const_cast<char*>(var.c_str()));
    envp.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return Error{fmt::format("cannot start {}: {}", argv[0], std::strerror(errno))};
    if (pid == 0) {
        if (!stdout_file.empty()) {
            int out = ::open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (out < 0) ::_exit(126);
            ::dup2(out, STDOUT_FILENO);
        } else {
            ::dup2(pipe_fds[1], STDOUT_FILENO);
        }
        ::dup2(pipe_fds[1], STDERR_FILENO);
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
        if (!in_child()) ::_exit(125);
        ::execve(args[0], args.data(), envp.data());
        ::_exit(127);
    }
    ::close(pipe_fds[1]);
    char buffer[4096];
    for (;;) {
        ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer);
        if (got <= 0) break;
        if (output.size() < (1u << 20)) output.append(buffer, static_cast<size_t>(got));
    }
    ::close(pipe_fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace moat::fix
