#include "valor/dp/regret_study.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "valor/core/error.h"

namespace valor::dp {
namespace {

using ::testing::HasSubstr;

RegretStudyOptions tiny() {
  RegretStudyOptions o;
  o.preferences = {5, 20};
  o.mdps = 2;
  o.seeds = 1;
  o.noise = {LabelNoise::kNoiseless};
  o.fit.iterations = 20;
  return o;
}

TEST(RegretStudy, RunsEveryCellDeterministically) {
  const auto o = tiny();
  EXPECT_EQ(regret_study_size(o), 1 * 4 * 2 * 2 * 1);
  int called = 0;
  const auto cells = run_regret_study(o, [&](const RegretStudyCell&) { ++called; });
  ASSERT_EQ(static_cast<int64_t>(cells.size()), regret_study_size(o));
  EXPECT_EQ(called, static_cast<int>(cells.size()));
  const auto again = run_regret_study(o);
  for (size_t k = 0; k < cells.size(); ++k) {
    EXPECT_EQ(cells[k].scaled_return, again[k].scaled_return);
    EXPECT_EQ(cells[k].near_optimal, cells[k].scaled_return > kNearOptimalScaledReturn);
    EXPECT_LE(cells[k].scaled_return, 1.0 + 1e-9);
  }
  // Each (mdp, labels, model) has both counts, in the order given.
  EXPECT_EQ(cells[0].preferences, 5);
  EXPECT_EQ(cells[1].preferences, 20);
  EXPECT_EQ(cells[0].model, cells[1].model);
}

TEST(RegretStudy, RejectsBadOptionsNamingThem) {
  auto o = tiny();
  o.preferences = {10, 10};
  EXPECT_THAT([&] { check_regret_study_options(o); },
              ::testing::ThrowsMessage<Error>(HasSubstr("preferences lists 10 twice")));
  o = tiny();
  o.preferences = {0};
  EXPECT_THAT([&] { check_regret_study_options(o); },
              ::testing::ThrowsMessage<Error>(HasSubstr("preferences must be >= 1, got 0")));
  o = tiny();
  o.mdps = 0;
  EXPECT_THAT([&] { check_regret_study_options(o); },
              ::testing::ThrowsMessage<Error>(HasSubstr("mdps must be >= 1")));
  o = tiny();
  o.fit.gamma = 1.0;
  EXPECT_THAT([&] { check_regret_study_options(o); },
              ::testing::ThrowsMessage<Error>(HasSubstr("gamma must be in [0, 1)")));
}

}  // namespace
}  // namespace valor::dp
