#pragma once
/// gradient_seed: where a backward pass starts — a gradient seeded at a named tensor (node names
/// work too). A backward pass takes any number of them and runs once for all (nn/model.hpp).
#include <deepvis/core/tensor.hpp>
#include <string>

namespace deepvis::nn {

struct gradient_seed {
    std::string at;
    tensor gradient;
};

}  // namespace deepvis::nn
