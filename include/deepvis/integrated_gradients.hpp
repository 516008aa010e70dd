#pragma once
/// Integrated gradients (Sundararajan 2017): the task header; see <deepvis/attribution/integrated_gradients.hpp> for
/// the definition and options.
#include <deepvis/attribution/integrated_gradients.hpp>
