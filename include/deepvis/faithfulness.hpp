#pragma once
/// Deletion and insertion curves (Petsiuk 2018): the task header; see <deepvis/attribution/faithfulness.hpp> for the
/// definition and options.
#include <deepvis/attribution/faithfulness.hpp>
