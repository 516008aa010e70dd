#pragma once
/// Image synthesis by optimisation: objectives, regularisers, optimisers, solve(), and the
/// recipes — class-model visualisation, fooling images, feature inversion, style transfer — all
/// optimising in the standardised pixel space of synthesis/pixel_space.hpp.
#include <deepvis/objectives/all.hpp>
#include <deepvis/regularizers/all.hpp>
#include <deepvis/solvers/all.hpp>
#include <deepvis/synthesis/class_model.hpp>
#include <deepvis/synthesis/deep_dream.hpp>
#include <deepvis/synthesis/fooling.hpp>
#include <deepvis/synthesis/inversion.hpp>
#include <deepvis/synthesis/pixel_space.hpp>
#include <deepvis/synthesis/style_transfer.hpp>
#include <deepvis/synthesis/texture_network.hpp>
