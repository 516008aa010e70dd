#pragma once
/// Deconvnet attribution (Zeiler & Fergus 2014): the task header; see <deepvis/attribution/deconvolution.hpp> for the
/// definition and options.
#include <deepvis/attribution/deconvolution.hpp>
