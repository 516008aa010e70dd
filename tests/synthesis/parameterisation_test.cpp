// The decorrelated-colour Fourier parameterisation (synthesis/fourier_parameterisation.hpp)
// against its definition: irfft2 written out as a double sum, and its gradient against finite
// differences; the random scale/rotation's transpose against <T x, g> = <x, Tᵀ g>; and a Fourier
// class model on the shared trained SqueezeNet 1.0 (Caffe preprocessing) after the PNG round trip
// a user does (skipped, with a message, without ../shared).
#include <doctest/doctest.h>

#include <cmath>
#include <complex>
#include <deepvis/regularizers/random_transform.hpp>
#include <deepvis/synthesis/fourier_parameterisation.hpp>
#include <numbers>
#include <random>

#include "support/gradient_check.hpp"

using namespace deepvis;
using deepvis::testing::random_tensor;

TEST_CASE("fourier parameterisation: linear() is irfft2 of the 1/f-weighted spectrum over 4, written out") {
    for (auto [h, w] : {std::pair<std::size_t, std::size_t>{6, 8}, {5, 7}, {4, 1}}) {
        const fourier_parameterisation f(h, w, 2);
        const std::size_t wf = w / 2 + 1;
        const tensor s = random_tensor(f.spectrum_shape(2), 20 + h);
        tensor z;
        f.linear(s, z);
        REQUIRE(z.shape() == shape_type{2, 2, h, w});
        double worst = 0.0, largest = 0.0;
        for (std::size_t q = 0; q < 4; ++q)
            for (std::size_t y = 0; y < h; ++y)
                for (std::size_t x = 0; x < w; ++x) {
                    double sum = 0.0;
                    for (std::size_t ky = 0; ky < h; ++ky)
                        for (std::size_t kx = 0; kx < wf; ++kx) {
                            const double fy = (ky < (h + 1) / 2 ? double(ky) : double(ky) - double(h)) / double(h);
                            const double fx = double(kx) / double(w);
                            const double weight = std::sqrt(double(h * w)) /
                                                  std::max(std::sqrt(fy * fy + fx * fx), 1.0 / double(std::max(h, w)));
                            const double c = (kx == 0 || (w % 2 == 0 && kx == w / 2)) ? 1.0 : 2.0;
                            const std::complex<double> a(s.data()[(q * 2 + 0) * h * wf + ky * wf + kx],
                                                         s.data()[(q * 2 + 1) * h * wf + ky * wf + kx]);
                            const double phase =
                                2.0 * std::numbers::pi * (double(ky * y) / double(h) + double(kx * x) / double(w));
                            sum += c * weight * (a * std::polar(1.0, phase)).real();
                        }
                    sum /= 4.0 * double(h * w);
                    worst = std::max(worst, std::abs(sum - double(z.data()[q * h * w + y * w + x])));
                    largest = std::max(largest, std::abs(sum));
                }
        MESSAGE(h << " x " << w << ": largest |z| " << largest << ", worst difference " << worst);
        CHECK(worst <= 1e-5 * largest);
    }
}

TEST_CASE("fourier parameterisation: the gradient of <w, pixels(s)> matches finite differences") {
    // 3 channels (colour decorrelation on) at odd and even widths, and 1 channel (off).
    for (auto [c, h, w] : {std::tuple<std::size_t, std::size_t, std::size_t>{3, 6, 7}, {3, 5, 8}, {1, 4, 6}}) {
        const fourier_parameterisation f(h, w, c);
        tensor s = random_tensor(f.spectrum_shape(2), 30 + w, 2.0f);  // pixels over most of (0, 1): the sigmoid bends
        const tensor weight = random_tensor({2, c, h, w}, 40 + w);
        auto loss = [&] {
            const tensor p = f.pixels(s);
            double sum = 0.0;
            for (std::size_t e = 0; e < p.size(); ++e) sum += double(weight.data()[e]) * p.data()[e];
            return sum;
        };
        const tensor p = f.pixels(s);
        float lo = 1.0f, hi = 0.0f;
        for (float v : p) lo = std::min(lo, v), hi = std::max(hi, v);
        MESSAGE(c << " x " << h << " x " << w << ": pixels in [" << lo << ", " << hi << "]");
        CHECK(lo > 0.0f);
        CHECK(hi < 1.0f);
        tensor gs;
        f.backward(p, weight, gs);
        deepvis::testing::check_against_finite_differences(s, gs, loss, "fourier_parameterisation", 1e-2f, 1e-3f,
                                                           1e-2f);
    }
}

TEST_CASE("random_transform: apply_transpose is the transpose of apply, <T x, g> = <x, T^T g>") {
    std::mt19937_64 rng(5);
    for (int k = 0; k < 4; ++k) {
        random_transform t{.min_scale = 0.9, .max_scale = 1.1, .max_degrees = 10.0};
        const tensor x = random_tensor({1, 3, 9, 11}, 50 + k), g = random_tensor({1, 3, 9, 11}, 60 + k);
        t.draw(x, rng);
        tensor tx(x.shape()), tg;
        t.apply(x, tx);
        t.apply_transpose(g, tg);
        double a = 0.0, b = 0.0;
        for (std::size_t e = 0; e < x.size(); ++e) {
            a += double(tx.data()[e]) * g.data()[e];
            b += double(x.data()[e]) * tg.data()[e];
        }
        CHECK(a == doctest::Approx(b).epsilon(1e-5));
    }
}

#ifdef DEEPVIS_SYNTHESIS_WITH_ONNX
#include <deepvis/io/image.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/synthesis.hpp>
#include <filesystem>

#include "caffe/caffe_support.hpp"

TEST_CASE("squeezenet caffe: a Fourier-parameterised class model survives the PNG round trip with p >= 0.9") {
    namespace fs = std::filesystem;
    const fs::path model = test::shared_dir() / "models" / "squeezenet1.0" / "squeezenet1.0.onnx";
    if (!fs::exists(model)) {
        MESSAGE("skipped: " << model.string()
                            << " not found (set DEEPVIS_SHARED_DIR to the folder that holds models/)");
        return;
    }
    const nn::network net = io::load_network(model);
    const pixel_space space(net, input_preprocessing::caffe());
    const fs::path dir = fs::path(DEEPVIS_BINARY_DIR) / "tests" / "squeezenet_class_models";
    fs::create_directories(dir);
    const std::int64_t c = 285;  // Egyptian cat
    const auto r = visualize_class(net, c,
                                   {.iterations = 30,
                                    .preprocessing = input_preprocessing::caffe(),
                                    .seed = 1,
                                    .shape = {1, 3, 227, 227},
                                    .image_parameterisation = parameterisation::fourier});
    REQUIRE(r.report.ok());
    const tensor pixels = xt::view(space.to_pixels(space.from_input(r.image)), 0);
    const fs::path png = dir / ("class_" + std::to_string(c) + "_fourier.png");
    io::save_png(png, pixels);
    // What `deepvis predict --preprocess caffe` reads.
    const tensor back =
        io::load_image(png, {.size = {227, 227}, .mean = {104.0f, 117.0f, 123.0f}, .scale = 1.0f, .bgr = true});
    nn::network::trace t;
    const tensor& s = net.forward(back, t);
    const float m = *std::max_element(s.begin(), s.end());
    double z = 0.0;
    for (float v : s) z += std::exp(double(v) - m);
    const double p = std::exp(double(s.data()[c]) - m) / z;
    const tensor back_pixels = space.to_pixels(space.from_input(back));
    double sum = 0.0, sum2 = 0.0;
    for (float v : back_pixels) sum += v, sum2 += double(v) * v;
    const double n = double(back_pixels.size()), sd = std::sqrt(std::max(0.0, sum2 / n - (sum / n) * (sum / n)));
    MESSAGE("class " << c << " (Fourier, seed 1): p = " << p << " after the PNG round trip (" << r.report.message
                     << "); pixel std " << sd);
    CHECK(p >= 0.9);
    CHECK(sd >= 0.08);
}
#endif
