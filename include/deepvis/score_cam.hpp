#pragma once
/// Score-CAM (Wang 2020): the task header; see <deepvis/attribution/score_cam.hpp> for the definition and options.
#include <deepvis/attribution/score_cam.hpp>
