#include "cli/commands.h"

#include <cstdio>

namespace moat {
int run_cli(int, char**) {
    std::fprintf(stderr, "moat: not implemented yet\n");
    return 2;
}
}  // namespace moat
