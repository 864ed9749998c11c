// Runs a program (the moat CLI, or an oracle such as dpkg-query) and captures what it printed.
#pragma once

#include <string>
#include <vector>

namespace moat::testing {

struct CommandResult {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;
    std::string out, err;
    long peak_rss_kb = 0;
};

// argv[0] is looked up in PATH. `env` entries ("KEY=VALUE") are added to the environment.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::vector<std::string>& env = {});

}  // namespace moat::testing
