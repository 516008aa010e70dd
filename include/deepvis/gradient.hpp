#pragma once
/// Input gradient of the class score: the task header; see <deepvis/attribution/gradient.hpp> for the definition and
/// options.
#include <deepvis/attribution/gradient.hpp>
