#pragma once
/// Object masks and boxes from saliency with GrabCut (Simonyan 2014, section 3.2): the task header;
/// see <deepvis/attribution/object_mask.hpp>. GrabCut needs the deepvis::grabcut component (OpenCV).
#include <deepvis/attribution/object_mask.hpp>
