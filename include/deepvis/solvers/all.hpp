#pragma once
/// Every shipped optimiser, the callback helpers and solve().
#include <deepvis/solvers/adam.hpp>
#include <deepvis/solvers/callback.hpp>
#include <deepvis/solvers/gradient_descent.hpp>
#include <deepvis/solvers/lbfgs.hpp>
#include <deepvis/solvers/optimizer.hpp>
#include <deepvis/solvers/solve.hpp>
