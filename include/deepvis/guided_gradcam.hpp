#pragma once
/// Guided Grad-CAM (Selvaraju 2017): the task header; see <deepvis/attribution/guided_gradcam.hpp> for the definition
/// and options.
#include <deepvis/attribution/guided_gradcam.hpp>
