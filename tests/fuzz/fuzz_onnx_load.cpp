// libFuzzer: ONNX loading from bytes (targets.hpp says what is done with each input).
// Mutations are structure-aware (onnx_mutator.hpp).
#include "onnx_mutator.hpp"
#include "targets.hpp"

DEEPVIS_FUZZ_HARNESS(deepvis::fuzz::run_onnx_load)
