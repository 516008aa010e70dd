#include "deepvis/preprocessing.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using deepvis::cli::preprocessing;

// The CLI's one preprocessing (tools/deepvis/preprocessing.hpp): every PNG of an input-space
// image is drawn through from_model, so it must undo to_model exactly.
TEST_CASE("preprocessing: from_model undoes to_model exactly for every preset and for explicit fields") {
    const std::string image = std::string(DEEPVIS_SOURCE_DIR) + "/tests/cli/data/image.png";
    const deepvis::tensor pixels = preprocessing::preset("unit").to_model(image);  // RGB in [0, 1]
    preprocessing custom = preprocessing::preset("caffe");
    custom.mean = {0.5f};
    custom.std = {2.0f, 3.0f, 4.0f};
    for (preprocessing p : {preprocessing::preset("caffe"), preprocessing::preset("imagenet"), custom}) {
        p.size = {0, 0};  // the file's own size, as the unit load
        const deepvis::tensor x = p.to_model(image);
        CAPTURE(p.describe());
        REQUIRE(x.shape() == pixels.shape());
        CHECK(x != pixels);  // the model sees something else...
        const deepvis::tensor back = p.from_model(x);
        double worst = 0.0;
        for (std::size_t i = 0; i < back.size(); ++i)
            worst = std::max(worst, double(std::abs(back.data()[i] - pixels.data()[i])));
        CHECK(worst < 1e-5);  // ...and the picture is the file's, in R, G, B order
    }
}

TEST_CASE("preprocessing: the caffe preset is BGR in 0..255 minus 104, 117, 123 at 227x227") {
    const preprocessing p = preprocessing::preset("caffe");
    CHECK(p.bgr);
    CHECK(p.scale == 1.0f);
    CHECK(p.mean == std::vector<float>{104.0f, 117.0f, 123.0f});
    CHECK(p.size == std::array<std::size_t, 2>{227, 227});
    // The synthesis recipes take the same map: a mid-grey pixel is 128 − mean in every channel.
    const deepvis::input_preprocessing q = p.model_input();
    CHECK(q.bgr);
    CHECK(q.scale == 1.0f);
    CHECK(q.mean == p.mean);
    CHECK_THROWS_AS(preprocessing::preset("vgg"), deepvis::cli::usage_error);
}
