#pragma once
/// Per-layer gradient views of the class score: the task header; see <deepvis/attribution/layer_gradients.hpp> for the
/// definition and options.
#include <deepvis/attribution/layer_gradients.hpp>
