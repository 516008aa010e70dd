// libFuzzer: the `deepvis` flag parser (tools/deepvis/command_line.hpp, CLI11 underneath) on an
// argv made from the input, parsing only: no model is loaded or run (targets.hpp: run_cli).
#include "targets.hpp"

DEEPVIS_FUZZ_HARNESS(deepvis::fuzz::run_cli)
