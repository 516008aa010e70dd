// libFuzzer: ONNX loading, then forward and backward on a small input (targets.hpp says what is done with each input).
// Mutations are structure-aware (onnx_mutator.hpp).
#include "onnx_mutator.hpp"
#include "targets.hpp"

DEEPVIS_FUZZ_HARNESS(deepvis::fuzz::run_onnx_forward_backward)
