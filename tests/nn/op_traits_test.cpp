// Op traits (nn/op.hpp): what each registered op declares about itself, and that the executor,
// the summary and training read the traits rather than op-type names, so an op a user registers
// is treated by what it declares.
#include <doctest/doctest.h>

#include <deepvis/backprop/rule.hpp>
#include <deepvis/nn/network.hpp>
#include <deepvis/train/parameters.hpp>

using namespace deepvis;
using nn::op_traits;
using nn::traits_of;

namespace {

/// y = max(x, 0) whose own backward is deliberately wrong (writes zeros): registered as a
/// rectifier, the executor must never call it and apply the BackpropRule instead.
class user_rectifier_op final : public nn::op {
public:
    explicit user_rectifier_op(const nn::op_context&) {}
    void forward(nn::inputs_view x, nn::outputs_view y, nn::op_scratch&) const override {
        *y[0] = xt::maximum(*x[0], 0.0f);
    }
    void backward(nn::inputs_view x, nn::inputs_view, nn::inputs_view, nn::outputs_view gx,
                  nn::op_scratch&) const override {
        if (gx[0]) *gx[0] = xt::zeros<float>(x[0]->shape());
    }
};
const bool user_rectifier_registered =
    nn::register_op<user_rectifier_op>("TestUserRectifier", {.rectifier = true, .configuration_from = 1});

}  // namespace

TEST_CASE("op traits: the registered ops declare what the executor, training and CAMs read") {
    CHECK(traits_of("Relu").rectifier);
    CHECK_FALSE(traits_of("LeakyRelu").rectifier);  // a rule for ReLU would change its gradient
    for (const char* t : {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape", "Pad",
                          "Identity", "Dropout", "Softmax", "LogSoftmax"})
        CHECK_MESSAGE(!traits_of(t).computes_features, t);
    for (const char* t : {"Conv", "Relu", "Concat", "BatchNormalization", "LRN", "Add", "Gemm"})
        CHECK_MESSAGE(traits_of(t).computes_features, t);
    CHECK(traits_of("Softmax").activation == op_traits::score_activation::softmax);
    CHECK(traits_of("LogSoftmax").activation == op_traits::score_activation::log_softmax);
    CHECK(traits_of("Sigmoid").activation == op_traits::score_activation::sigmoid);
    CHECK(traits_of("Conv").activation == op_traits::score_activation::none);
    // BatchNormalization(X, scale, B, mean, var): scale and B are trained, mean and var are not.
    const op_traits& bn = traits_of("BatchNormalization");
    CHECK((bn.trainable_input(1) && bn.trainable_input(2)));
    CHECK((!bn.trainable_input(3) && !bn.trainable_input(4)));
    for (const char* t : {"Reshape", "Resize", "Upsample", "Pad"}) {
        CHECK_MESSAGE(traits_of(t).trainable_input(0), t);
        CHECK_MESSAGE(!traits_of(t).trainable_input(1), t);
    }
    CHECK(traits_of("Conv").trainable_input(2));
    // A type nobody registered: a feature-computing op with trainable inputs.
    const op_traits& unknown = traits_of("NoSuchOpType");
    CHECK((unknown.computes_features && !unknown.rectifier && unknown.trainable_input(7)));
}

TEST_CASE("op traits: a user op registered as a rectifier gets the backprop rule, not its own backward") {
    REQUIRE(user_rectifier_registered);
    nn::graph g;
    g.inputs = {{"x", {-1, 1, 2, 2}}};
    g.outputs = {{"y", {}}};
    g.add({"rect", "TestUserRectifier", {"x"}, {"y"}, {}});
    const nn::network net(std::move(g));
    nn::network::trace t;
    const tensor x = {{{{1.0f, -2.0f}, {3.0f, -4.0f}}}};
    const tensor gy = {{{{-5.0f, 6.0f}, {7.0f, -8.0f}}}};
    net.forward(x, t);
    const nn::gradient_seed seeds[] = {{"y", gy}};
    // The same hand-computed values as the built-in Relu (backprop_rules_test.cpp).
    CHECK(net.backward<backprop::standard>(t, seeds, "x") == tensor{{{{-5.0f, 0.0f}, {7.0f, 0.0f}}}});
    CHECK(net.backward<backprop::deconvnet>(t, seeds, "x") == tensor{{{{0.0f, 6.0f}, {7.0f, 0.0f}}}});
    CHECK(net.backward<backprop::guided>(t, seeds, "x") == tensor{{{{0.0f, 0.0f}, {7.0f, 0.0f}}}});
}

TEST_CASE("op traits: training leaves a user op's configuration inputs alone") {
    nn::graph g;
    g.inputs = {{"x", {-1, 2}}};
    g.outputs = {{"y", {}}};
    g.initializers["w"] = tensor{{1.0f, 2.0f}, {3.0f, 4.0f}};
    g.initializers["config"] = tensor{1.0f};
    g.add({"fc", "Gemm", {"x", "w"}, {"h"}, {}});
    g.add({"rect", "TestUserRectifier", {"h", "config"}, {"y"}, {}});
    CHECK(train::trainable_parameters(g) == std::vector<std::string>{"w"});
}
