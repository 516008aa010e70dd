#pragma once
/// Occlusion (Zeiler & Fergus 2014): the task header; see <deepvis/attribution/occlusion.hpp> for the definition and
/// options.
#include <deepvis/attribution/occlusion.hpp>
