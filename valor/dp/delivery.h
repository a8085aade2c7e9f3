// Random "delivery" gridworlds with a reward linear in transition features, after the random
// MDPs of "Models of human preference for learning reward functions" (Knox et al.): a grid of
// road cells, some with coins or road blocks, sheep (terminal, bad) and one goal (terminal).
// Four moves (0 up, 1 right, 2 down, 3 left), deterministic; a move off the grid stays put.
// Features of a move, by the cell it enters: plain road [gas], coin [gas, coin], road block
// [gas, road block], goal [goal], sheep [sheep]; bumping into the edge [gas]. Every cell is a
// state (state = row * width + column); goal and sheep are terminal; episodes start uniformly on
// the other cells.
#pragma once

#include <string>
#include <vector>

#include "valor/core/random.h"
#include "valor/dp/preference_reward.h"

namespace valor::dp {

enum class DeliveryCell { kRoad, kCoin, kRoadBlock, kGoal, kSheep };

// Feature order: gas, goal, sheep, coin, road block.
inline constexpr int kDeliveryFeatures = 5;

struct DeliveryMdp {
  int height = 0, width = 0;
  std::vector<DeliveryCell> cells;  // row-major
  std::vector<double> weights;      // the true reward weights, size kDeliveryFeatures
  RewardFeatures features;
  env::TabularMdp mdp;  // rewards = features . weights
};

// Builds the MDP of a grid. valor::Error if cells.size() != height * width, a side is < 1, there
// is no non-terminal cell, or weights has the wrong size or a non-finite entry.
DeliveryMdp delivery_mdp(int height, int width, std::vector<DeliveryCell> cells,
                         std::vector<double> weights, std::string name = "delivery");

// One random delivery MDP (the paper's families): height from {3, 6, 10, 15}, width from
// {5, 6, 10}; fractions of sheep from {0, 0.1, 0.3}, road blocks from {0, 0.1, 0.5, 0.8}, coins
// from {0, 0.1, 0.2} (each re-drawn while the running sum is >= 1), floor(fraction * cells) of
// each placed on distinct random road cells, then the goal on a random cell; weights gas -1,
// coin +1, goal from {0, 1, 5, 10, 50}, sheep from {-5, -10, -50, -100}, road block from
// {-2, -5, -10}. Draws until the optimal policy beats the uniformly random one by at least
// 1e-6 in mean start value at `gamma` (else a learned reward cannot be scored).
DeliveryMdp random_delivery_mdp(Rng& rng, double gamma, std::string name = "delivery");

// The grid as text, one row per line: . road, c coin, x road block, G goal, s sheep.
std::string delivery_picture(const DeliveryMdp& d);

}  // namespace valor::dp
