#pragma once
/// XGrad-CAM (Fu 2020): the task header; see <deepvis/attribution/xgrad_cam.hpp> for the definition and options.
#include <deepvis/attribution/xgrad_cam.hpp>
