#include "cli/commands.h"

int main(int argc, char** argv) { return moat::run_cli(argc, argv); }
