#pragma once
/// Every attribution method and the faithfulness metrics (for convenience; each method also has
/// its own task header, e.g. <deepvis/gradcam.hpp>).
#include <deepvis/attribution/deconvolution.hpp>
#include <deepvis/attribution/eigen_cam.hpp>
#include <deepvis/attribution/faithfulness.hpp>
#include <deepvis/attribution/gradcam.hpp>
#include <deepvis/attribution/gradcam_plus_plus.hpp>
#include <deepvis/attribution/gradient.hpp>
#include <deepvis/attribution/guided_backprop.hpp>
#include <deepvis/attribution/guided_gradcam.hpp>
#include <deepvis/attribution/hires_cam.hpp>
#include <deepvis/attribution/input_x_gradient.hpp>
#include <deepvis/attribution/integrated_gradients.hpp>
#include <deepvis/attribution/layer_cam.hpp>
#include <deepvis/attribution/layer_gradients.hpp>
#include <deepvis/attribution/occlusion.hpp>
#include <deepvis/attribution/rise.hpp>
#include <deepvis/attribution/saliency.hpp>
#include <deepvis/attribution/score_cam.hpp>
#include <deepvis/attribution/smoothgrad.hpp>
#include <deepvis/attribution/top_k.hpp>
#include <deepvis/attribution/upsample.hpp>
#include <deepvis/attribution/xgrad_cam.hpp>
