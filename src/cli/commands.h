// The moat command line: parses arguments and composes the modules. Thin by design.
#pragma once

namespace moat {
int run_cli(int argc, char** argv);
}
