// libFuzzer: IDX reading, plain or gzip (targets.hpp says what is done with each input).
#include "targets.hpp"

DEEPVIS_FUZZ_HARNESS(deepvis::fuzz::run_idx)
