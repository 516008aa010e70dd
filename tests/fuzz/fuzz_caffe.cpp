// libFuzzer: Caffe loading (prototxt text + caffemodel binary in one input), then forward and
// backward on a small input (targets.hpp: run_caffe).
#include "targets.hpp"

DEEPVIS_FUZZ_HARNESS(deepvis::fuzz::run_caffe)
