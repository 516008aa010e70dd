#pragma once
/// Every shipped objective (see objectives/objective.hpp for the concept).
#include <deepvis/objectives/class_score.hpp>
#include <deepvis/objectives/content.hpp>
#include <deepvis/objectives/layer_energy.hpp>
#include <deepvis/objectives/neuron.hpp>
#include <deepvis/objectives/objective.hpp>
#include <deepvis/objectives/style.hpp>
#include <deepvis/objectives/total_variation.hpp>
