#include <doctest/doctest.h>

#include <deepvis/attribution/gradcam.hpp>
#include <deepvis/attribution/guided_backprop.hpp>
#include <deepvis/attribution/integrated_gradients.hpp>
#include <deepvis/saliency.hpp>
#include <thread>

#include "attribution/tiny_net.hpp"

using namespace deepvis;

namespace {

// Every method below, on a network that has never run: a fresh trace, the reference.
std::vector<tensor> maps_of(const nn::network& net, const tensor& x) {
    return {saliency(net, x, {1}), guided_backprop(net, x, {2}), gradcam(net, x, {0}),
            integrated_gradients(net, x, {1}, {.steps = 5, .batch_size = 3})};
}

std::vector<tensor> fresh_maps(const tensor& x) { return maps_of(deepvis::testing::cnn(), x); }

void check_same(const std::vector<tensor>& a, const std::vector<tensor>& b, const char* what) {
    REQUIRE(a.size() == b.size());
    for (std::size_t m = 0; m < a.size(); ++m) {
        REQUIRE(a[m].shape() == b[m].shape());
        CHECK_MESSAGE(std::equal(a[m].begin(), a[m].end(), b[m].begin()), what << ": method " << m << " differs");
    }
}

}  // namespace

TEST_CASE("network: borrow_trace lends a reused trace, a distinct one to each concurrent borrower") {
    const auto net = deepvis::testing::cnn();
    const nn::network::trace* first = nullptr;
    {
        auto a = net.borrow_trace();
        auto b = net.borrow_trace();
        CHECK(&*a != &*b);
        first = &*a;
    }
    {
        auto c = net.borrow_trace();  // the last one given back (b), then a
        auto d = net.borrow_trace();
        CHECK((&*c == first || &*d == first));
    }
    net.release_spare_traces();
    auto e = net.borrow_trace();
    CHECK(&*e != nullptr);
}

TEST_CASE("attribution: repeated calls on one network, with changing batch sizes, equal fresh-trace results") {
    // Seeds 301, 302: inputs of batch 2 and 1. A reused trace holds the buffers (and stale
    // values) of the previous call, with other shapes: the maps must not depend on it.
    const tensor x2 = deepvis::testing::random_tensor({2, 2, 8, 8}, 301);
    const tensor x1 = deepvis::testing::random_tensor({1, 2, 8, 8}, 302);
    const auto ref2 = fresh_maps(x2), ref1 = fresh_maps(x1);
    const auto net = deepvis::testing::cnn();
    check_same(maps_of(net, x2), ref2, "first call, batch 2");
    check_same(maps_of(net, x1), ref1, "after batch 2, batch 1");
    check_same(maps_of(net, x2), ref2, "after batch 1, batch 2 again");
    check_same(maps_of(net, x2), ref2, "batch 2 twice");
}

TEST_CASE("attribution: two threads explaining with one network get the fresh-trace results") {
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 303);  // seed 303
    const auto ref = fresh_maps(x);
    const auto net = deepvis::testing::cnn();
    std::vector<tensor> a, b;
    std::thread t1([&] {
        for (int r = 0; r < 20; ++r) a = maps_of(net, x);
    });
    std::thread t2([&] {
        for (int r = 0; r < 20; ++r) b = maps_of(net, x);
    });
    t1.join();
    t2.join();
    check_same(a, ref, "thread 1");
    check_same(b, ref, "thread 2");
}
