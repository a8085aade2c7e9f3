#include "valor/dp/delivery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "valor/core/error.h"

namespace valor::dp {
namespace {

using ::testing::HasSubstr;

std::vector<double> phi(const DeliveryMdp& d, int s, int a) {
  const auto* p = d.features.phi.data() +
                  (static_cast<size_t>(s) * 4 + static_cast<size_t>(a)) * kDeliveryFeatures;
  return {p, p + kDeliveryFeatures};
}

TEST(DeliveryMdp, FeaturesAndRewardsOfEachKindOfMove) {
  using C = DeliveryCell;
  // c .
  // x G
  // s .
  const auto d =
      delivery_mdp(3, 2, {C::kCoin, C::kRoad, C::kRoadBlock, C::kGoal, C::kSheep, C::kRoad},
                   {-1.0, 50.0, -100.0, 1.0, -5.0});
  // From (0,1): left enters the coin, down the goal, up bumps.
  EXPECT_EQ(phi(d, 1, 3), (std::vector<double>{1, 0, 0, 1, 0}));
  EXPECT_EQ(d.mdp.row(1, 3)[0].next_state, 0);
  EXPECT_DOUBLE_EQ(d.mdp.row(1, 3)[0].reward, 0.0);  // gas -1 + coin 1
  EXPECT_EQ(phi(d, 1, 2), (std::vector<double>{0, 1, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(d.mdp.row(1, 2)[0].reward, 50.0);
  EXPECT_EQ(phi(d, 1, 0), (std::vector<double>{1, 0, 0, 0, 0}));
  EXPECT_EQ(d.mdp.row(1, 0)[0].next_state, 1);
  // From (0,0): down enters the road block (gas + block), from (2,1) left the sheep.
  EXPECT_DOUBLE_EQ(d.mdp.row(0, 2)[0].reward, -6.0);
  EXPECT_DOUBLE_EQ(d.mdp.row(5, 3)[0].reward, -100.0);
  EXPECT_TRUE(d.mdp.terminal[3]);
  EXPECT_TRUE(d.mdp.terminal[4]);
  EXPECT_EQ(phi(d, 3, 0), (std::vector<double>(5, 0.0)));
  EXPECT_DOUBLE_EQ(d.mdp.initial_distribution[0], 0.25);
  EXPECT_DOUBLE_EQ(d.mdp.initial_distribution[3], 0.0);
  EXPECT_EQ(delivery_picture(d), "c.\nxG\ns.\n");
  d.features.check(d.mdp);
  // The MDP's rewards are the features times the weights.
  const auto r = d.features.reward(d.weights);
  for (int s = 0; s < 6; ++s) {
    for (int a = 0; a < 4; ++a)
      EXPECT_DOUBLE_EQ(r[static_cast<size_t>(s * 4 + a)], d.mdp.expected_reward(s, a));
  }
}

TEST(DeliveryMdp, RejectsBadGrids) {
  using C = DeliveryCell;
  EXPECT_THAT(
      [] {
        delivery_mdp(1, 2, {C::kGoal, C::kSheep}, {-1, 1, -1, 1, -1});
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("every cell is a goal or a sheep")));
  EXPECT_THAT(
      [] {
        delivery_mdp(1, 2, {C::kGoal}, {-1, 1, -1, 1, -1});
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("1 cells for 1 x 2")));
  EXPECT_THAT(
      [] {
        delivery_mdp(1, 2, {C::kGoal, C::kRoad}, {-1, 1});
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("2 weights, expected 5")));
}

TEST(RandomDeliveryMdp, DrawsFromThePapersFamiliesDeterministically) {
  Rng rng(0), again(0);
  for (int i = 0; i < 20; ++i) {
    const auto d = random_delivery_mdp(rng, 0.999);
    const auto e = random_delivery_mdp(again, 0.999);
    EXPECT_EQ(d.cells, e.cells);
    EXPECT_EQ(d.weights, e.weights);
    EXPECT_THAT((std::vector<int>{3, 6, 10, 15}), ::testing::Contains(d.height));
    EXPECT_THAT((std::vector<int>{5, 6, 10}), ::testing::Contains(d.width));
    EXPECT_EQ(d.weights[0], -1.0);
    EXPECT_EQ(d.weights[3], 1.0);
    EXPECT_THAT((std::vector<double>{0, 1, 5, 10, 50}), ::testing::Contains(d.weights[1]));
    EXPECT_THAT((std::vector<double>{-5, -10, -50, -100}), ::testing::Contains(d.weights[2]));
    EXPECT_THAT((std::vector<double>{-2, -5, -10}), ::testing::Contains(d.weights[4]));
    int goals = 0;
    for (auto c : d.cells) goals += c == DeliveryCell::kGoal ? 1 : 0;
    EXPECT_EQ(goals, 1);
    // Scoreable: the true reward scores 1.
    EXPECT_NEAR(score_learned_reward(d.mdp, d.features, d.weights, 0.999).scaled_return, 1.0, 1e-9);
  }
}

}  // namespace
}  // namespace valor::dp
