#pragma once
/// Image-specific class saliency (Simonyan 2014): the task header; see <deepvis/attribution/saliency.hpp> for the
/// definition and options.
#include <deepvis/attribution/saliency.hpp>
