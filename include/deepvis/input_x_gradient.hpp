#pragma once
/// Input × gradient: the task header; see <deepvis/attribution/input_x_gradient.hpp> for the definition and options.
#include <deepvis/attribution/input_x_gradient.hpp>
