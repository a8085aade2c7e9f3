// A small hand-made delivery gridworld shared by the preference tests.
#pragma once

#include "valor/dp/delivery.h"

namespace valor::dp::testing {

// . c . x G
// x s . . .
// . . c x .
inline DeliveryMdp small_delivery() {
  using C = DeliveryCell;
  return delivery_mdp(
      3, 5,
      {C::kRoad, C::kCoin, C::kRoad, C::kRoadBlock, C::kGoal, C::kRoadBlock, C::kSheep, C::kRoad,
       C::kRoad, C::kRoad, C::kRoad, C::kRoad, C::kCoin, C::kRoadBlock, C::kRoad},
      {-1.0, 10.0, -50.0, 1.0, -5.0}, "small-delivery");
}

}  // namespace valor::dp::testing
