#pragma once
/// What every `deepvis attribute METHOD` shares: the flags (model, input, --class, --out), the
/// forward pass, and the one-hot seed on the class scores.
#include <string>
#include <vector>

#include "common.hpp"

namespace deepvis::cli {

inline void add_attribution_flags(flags& f) {
    add_model_flag(f);
    add_input_flags(f);
    f.required("class", "C[,C...]", "the class to explain: one for all inputs, or one per input")
        .required("out", "A.npy", "where to save the attribution, float32 .npy");
}

/// A model after a forward pass on the input, with the classes to explain.
struct attribution_setup {
    nn::network net;
    nn::network::trace trace;
    input_batch batch;
    std::vector<std::size_t> classes;  ///< one per batch item
    std::string out;
};

/// Loads the model and input, runs forward and checks --class against the model's classes.
inline attribution_setup prepare_attribution(const flags& f) {
    attribution_setup s{io::load_network(f.get_string("model")), {}, {}, {}, f.get_string("out")};
    s.batch = load_input(f, s.net);
    s.net.forward(s.batch.x, s.trace);
    const tensor& scores = s.net.scores(s.trace);
    s.classes = select_classes(f, scores.shape()[0], class_count(scores));
    return s;
}

/// One-hot gradient on the class scores: 1 at (n, classes[n]) for every batch item n.
inline tensor class_seed(const attribution_setup& s) {
    const tensor& scores = s.net.scores(s.trace);
    tensor seed(shape_of(scores), 0.0f);
    const std::size_t k = class_count(scores);
    for (std::size_t n = 0; n < s.classes.size(); ++n) seed.data()[n * k + s.classes[n]] = 1.0f;
    return seed;
}

}  // namespace deepvis::cli
