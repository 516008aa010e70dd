#pragma once
/// Grad-CAM (Selvaraju 2017) at any layer, and Grad-CAM for the top-k classes: the task header;
/// see <deepvis/attribution/gradcam.hpp> and <deepvis/attribution/top_k.hpp>.
#include <deepvis/attribution/gradcam.hpp>
#include <deepvis/attribution/top_k.hpp>
