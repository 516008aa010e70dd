#pragma once
/// Guided backpropagation (Springenberg 2015): the task header; see <deepvis/attribution/guided_backprop.hpp> for the
/// definition and options.
#include <deepvis/attribution/guided_backprop.hpp>
