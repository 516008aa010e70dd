// libFuzzer: the `deepvis` flag parser (tools/deepvis/command_line.hpp, CLI11 underneath) on an
// argv made from the input, parsing only: no model is loaded or run (targets.hpp: run_cli).
#include "targets.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    deepvis::fuzz::small_limits();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        deepvis::fuzz::run_cli(data, size);
    } catch (const deepvis::error&) {  // a clear refusal (usage_error, config_error) is the right outcome
    }
    return 0;
}
