// Runs a helper program (dpkg, dpkg-deb) in a child process, its output captured, with a hook
// that runs in the child before exec (mount namespace and chroot for maintainer scripts).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "util/result.h"

namespace moat::fix {

// Runs `argv` (argv[0] a path) with exactly `env`; stdout (or `stdout_file` when given) and stderr
// into `output` (the first MiB). Returns the exit status (128 + signal when killed). `in_child`
// returning false ends the child with status 125.
Result<int> run_program(
    const std::vector<std::string>& argv, const std::vector<std::string>& env, std::string& output,
    const std::function<bool()>& in_child = [] { return true; },
    const std::filesystem::path& stdout_file = {});

}  // namespace moat::fix
