#pragma once
/// SmoothGrad, SmoothGrad², VarGrad (Smilkov 2017): the task header; see <deepvis/attribution/smoothgrad.hpp> for the
/// definition and options.
#include <deepvis/attribution/smoothgrad.hpp>
