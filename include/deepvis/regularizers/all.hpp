#pragma once
/// Every shipped regulariser (see regularizers/regularizer.hpp for the concept). The explicit
/// penalties l2, alpha_norm and total_variation live in objectives/total_variation.hpp.
#include <deepvis/objectives/total_variation.hpp>
#include <deepvis/regularizers/blur.hpp>
#include <deepvis/regularizers/clamp.hpp>
#include <deepvis/regularizers/jitter.hpp>
#include <deepvis/regularizers/random_transform.hpp>
#include <deepvis/regularizers/regularizer.hpp>
