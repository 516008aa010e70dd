// libFuzzer: PNG/JPEG decoding from bytes, then preprocessing (targets.hpp says what is done with each input).
#include "targets.hpp"

DEEPVIS_FUZZ_HARNESS(deepvis::fuzz::run_image)
