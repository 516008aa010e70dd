#pragma once
/// HiResCAM (Draelos & Carin 2020): the task header; see <deepvis/attribution/hires_cam.hpp> for the definition and
/// options.
#include <deepvis/attribution/hires_cam.hpp>
