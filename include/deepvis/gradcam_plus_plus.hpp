#pragma once
/// Grad-CAM++ (Chattopadhay 2018): the task header; see <deepvis/attribution/gradcam_plus_plus.hpp> for the definition
/// and options.
#include <deepvis/attribution/gradcam_plus_plus.hpp>
