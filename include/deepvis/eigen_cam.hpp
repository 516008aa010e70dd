#pragma once
/// Eigen-CAM and EigenGrad-CAM (Muhammad & Yeasin 2020): the task header; see <deepvis/attribution/eigen_cam.hpp> for
/// the definition and options.
#include <deepvis/attribution/eigen_cam.hpp>
