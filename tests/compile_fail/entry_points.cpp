// Misuse of the public entry points must fail to compile with the entry point's own message
// (a static_assert naming the concept and its header), not only with a page of template
// instantiations or "no matching function". CTest compiles this file once per CASE_* with
// -fsyntax-only and passes when the compiler prints the expected message
// (tests/compile_fail/CMakeLists.txt).
#include <deepvis/attribution.hpp>
#include <deepvis/nn/network.hpp>
#include <deepvis/synthesis.hpp>

/// Has a trace type but nothing else a Model needs.
struct not_a_model {
    using trace_type = int;
};

/// Not an Objective: no value_and_gradient.
struct not_an_objective {};

void misuse() {
    const not_a_model model;
    const deepvis::tensor x;
    [[maybe_unused]] deepvis::tensor image;
#if defined(CASE_gradcam)
    (void)deepvis::gradcam(model, x, deepvis::class_indices{0});
#elif defined(CASE_saliency)
    (void)deepvis::saliency(model, x, deepvis::class_indices{0});
#elif defined(CASE_integrated_gradients)
    (void)deepvis::integrated_gradients(model, x, deepvis::class_indices{0});
#elif defined(CASE_visualize_class)
    (void)deepvis::visualize_class(model, 0);
#elif defined(CASE_fool)
    (void)deepvis::fool(model, x, std::int64_t{3});
#elif defined(CASE_invert)
    (void)deepvis::invert(model, x, deepvis::inversion_options{});
#elif defined(CASE_style_transfer)
    (void)deepvis::style_transfer(model, x, {}, deepvis::style_transfer_options{});
#elif defined(CASE_deep_dream)
    (void)deepvis::deep_dream(model, x, deepvis::deep_dream_options{});
#elif defined(CASE_solve_objective)
    const deepvis::nn::network net{deepvis::nn::graph{}};
    (void)deepvis::solve(deepvis::problem{net, not_an_objective{}}, deepvis::adam{}, image, {});
#elif defined(CASE_solve_optimizer)
    const deepvis::nn::network net{deepvis::nn::graph{}};
    (void)deepvis::solve(deepvis::problem{net, deepvis::l2{}}, not_an_objective{}, image, {});
#else
#error "define one CASE_*"
#endif
}
