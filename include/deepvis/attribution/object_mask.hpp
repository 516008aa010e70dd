#pragma once
/// Object localisation from a saliency map (Simonyan et al. 2014, §3.2): the foreground colour
/// model is seeded with the pixels whose saliency is above the 95th percentile, the background
/// model with those below the 30th; GrabCut (Rother et al. 2004) segments the image; the largest
/// connected component of the foreground is kept and its bounding box localises the object.
///
/// GrabCut is OpenCV's cv::grabCut, an optional component: link the `deepvis::grabcut` CMake
/// target (built when OpenCV is found), which defines DEEPVIS_WITH_GRABCUT. Without it,
/// object_mask() throws unsupported_error saying so; the seeds, the connected-component step and
/// every other part of deepvis work without OpenCV.
#include <algorithm>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/viz/normalize.hpp>
#include <vector>

#ifdef DEEPVIS_WITH_GRABCUT
#include <opencv2/imgproc.hpp>
#endif

namespace deepvis {
inline namespace attribution {

/// True when deepvis was built with the GrabCut component (OpenCV).
inline constexpr bool grabcut_available =
#ifdef DEEPVIS_WITH_GRABCUT
    true;
#else
    false;
#endif

/// GrabCut's pixel labels (the values of OpenCV's GC_BGD, GC_FGD, GC_PR_BGD, GC_PR_FGD).
enum class grabcut_label : std::uint8_t {
    background = 0,
    foreground = 1,
    probable_background = 2,
    probable_foreground = 3
};

struct object_mask_options {
    double foreground_percentile = 95.0;
    double background_percentile = 30.0;
    grabcut_label unknown = grabcut_label::probable_background;  ///< label of the pixels in between
    int iterations = 5;
    bool eight_connected = true;  ///< connectivity of the largest component
};

/// A box [x0, x1) × [y0, y1) in pixels; empty when x0 == x1.
struct object_box {
    std::size_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool empty() const { return x0 >= x1 || y0 >= y1; }
};

struct object_mask_result {
    tensor mask;     ///< (H, W): 1 on the largest foreground component, else 0
    object_box box;  ///< its bounding box
};

/// Seeds for GrabCut from a saliency map (H, W): one label per pixel, row-major.
inline std::vector<grabcut_label> grabcut_seeds(const tensor& saliency, const object_mask_options& options = {}) {
    DEEPVIS_CHECK(saliency.dimension() == 2 && saliency.size() > 0, shape_error,
                  "grabcut_seeds: saliency has shape " << shape_string(saliency.shape()) << ", expected (H, W)");
    DEEPVIS_CHECK(options.background_percentile < options.foreground_percentile, config_error,
                  "grabcut_seeds: background percentile " << options.background_percentile
                                                          << " must be below the foreground percentile "
                                                          << options.foreground_percentile);
    const std::vector<float> values(saliency.begin(), saliency.end());
    const float hi = viz::percentile(values, options.foreground_percentile);
    const float lo = viz::percentile(values, options.background_percentile);
    std::vector<grabcut_label> labels(values.size(), options.unknown);
    for (std::size_t p = 0; p < values.size(); ++p) {
        if (values[p] > hi)
            labels[p] = grabcut_label::foreground;
        else if (values[p] < lo)
            labels[p] = grabcut_label::background;
    }
    return labels;
}

/// The largest connected component of mask > 0.5 (H, W), and its bounding box.
inline object_mask_result largest_component(const tensor& mask, bool eight_connected = true) {
    DEEPVIS_CHECK(mask.dimension() == 2, shape_error,
                  "largest_component: mask has shape " << shape_string(mask.shape()) << ", expected (H, W)");
    const std::size_t h = mask.shape()[0], w = mask.shape()[1];
    std::vector<int> component(h * w, -1);
    std::vector<std::size_t> stack, best_pixels, pixels;
    for (std::size_t start = 0; start < h * w; ++start) {
        if (mask.data()[start] <= 0.5f || component[start] >= 0) continue;
        pixels.clear();
        stack.assign(1, start);
        component[start] = static_cast<int>(start);
        while (!stack.empty()) {
            const std::size_t p = stack.back();
            stack.pop_back();
            pixels.push_back(p);
            const auto y = static_cast<std::ptrdiff_t>(p / w), x = static_cast<std::ptrdiff_t>(p % w);
            for (std::ptrdiff_t dy = -1; dy <= 1; ++dy)
                for (std::ptrdiff_t dx = -1; dx <= 1; ++dx) {
                    if ((dy == 0 && dx == 0) || (!eight_connected && dy != 0 && dx != 0)) continue;
                    const std::ptrdiff_t ny = y + dy, nx = x + dx;
                    if (ny < 0 || nx < 0 || ny >= std::ptrdiff_t(h) || nx >= std::ptrdiff_t(w)) continue;
                    const std::size_t q = std::size_t(ny) * w + std::size_t(nx);
                    if (mask.data()[q] > 0.5f && component[q] < 0) {
                        component[q] = static_cast<int>(start);
                        stack.push_back(q);
                    }
                }
        }
        if (pixels.size() > best_pixels.size()) best_pixels = pixels;
    }
    object_mask_result r{xt::zeros<float>({h, w}), {}};
    if (best_pixels.empty()) return r;
    r.box = {w, h, 0, 0};
    for (std::size_t p : best_pixels) {
        r.mask.data()[p] = 1.0f;
        r.box.x0 = std::min(r.box.x0, p % w);
        r.box.y0 = std::min(r.box.y0, p / w);
        r.box.x1 = std::max(r.box.x1, p % w + 1);
        r.box.y1 = std::max(r.box.y1, p / w + 1);
    }
    return r;
}

/// image: (3, H, W) RGB in [0, 1] (or (1, 3, H, W)); saliency: (H, W) (or (1, H, W)).
///   throws: unsupported_error without the deepvis::grabcut component.
inline object_mask_result object_mask(const tensor& image, const tensor& saliency,
                                      const object_mask_options& options = {}) {
    const bool batched = image.dimension() == 4;
    DEEPVIS_CHECK((image.dimension() == 3 || (batched && image.shape()[0] == 1)) && image.shape()[batched] == 3,
                  shape_error,
                  "object_mask: image has shape " << shape_string(image.shape()) << ", expected (3, H, W)");
    const std::size_t h = image.shape()[batched + 1], w = image.shape()[batched + 2];
    DEEPVIS_CHECK(saliency.size() == h * w, shape_error,
                  "object_mask: saliency has shape " << shape_string(saliency.shape()) << ", expected (" << h << ", "
                                                     << w << ")");
    const tensor map = xt::reshape_view(saliency, shape_type{h, w});
#ifdef DEEPVIS_WITH_GRABCUT
    const auto seeds = grabcut_seeds(map, options);
    cv::Mat bgr(int(h), int(w), CV_8UC3), labels(int(h), int(w), CV_8UC1);
    const std::size_t hw = h * w;
    for (std::size_t p = 0; p < hw; ++p) {
        auto& px = bgr.at<cv::Vec3b>(int(p / w), int(p % w));
        for (int k = 0; k < 3; ++k)
            px[2 - k] = static_cast<std::uint8_t>(std::clamp(image.data()[k * hw + p], 0.0f, 1.0f) * 255.0f + 0.5f);
        labels.at<std::uint8_t>(int(p / w), int(p % w)) = static_cast<std::uint8_t>(seeds[p]);
    }
    cv::Mat bgd_model, fgd_model;
    cv::grabCut(bgr, labels, cv::Rect(), bgd_model, fgd_model, options.iterations, cv::GC_INIT_WITH_MASK);
    tensor fg = xt::zeros<float>({h, w});
    for (std::size_t p = 0; p < hw; ++p) {
        const auto l = labels.at<std::uint8_t>(int(p / w), int(p % w));
        fg.data()[p] = (l == cv::GC_FGD || l == cv::GC_PR_FGD) ? 1.0f : 0.0f;
    }
    return largest_component(fg, options.eight_connected);
#else
    (void)map;
    (void)options;
    DEEPVIS_FAIL(unsupported_error,
                 "object_mask: GrabCut is unavailable in this build; it needs OpenCV: link the "
                 "deepvis::grabcut CMake target (built when OpenCV is found, e.g. Debian's "
                 "libopencv-dev)");
#endif
}

}  // namespace attribution
}  // namespace deepvis
