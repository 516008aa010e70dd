#pragma once
/// LayerCAM (Jiang 2021): the task header; see <deepvis/attribution/layer_cam.hpp> for the definition and options.
#include <deepvis/attribution/layer_cam.hpp>
