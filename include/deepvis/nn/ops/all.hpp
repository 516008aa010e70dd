#pragma once
/// Every op the CPU backend implements; including this header registers them all.
#include <deepvis/nn/ops/relu.hpp>
