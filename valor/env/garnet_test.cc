#include "valor/env/garnet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "valor/core/error.h"

namespace valor::env {
namespace {

using ::testing::HasSubstr;

TEST(GarnetTest, RowsAreDistributionsOverExactlyBranchingDistinctStates) {
  const int S = 50;
  const int A = 4;
  const int b = 5;
  const TabularMdp mdp = garnet_mdp(S, A, b, 17);
  EXPECT_NO_THROW(mdp.validate());
  EXPECT_EQ(mdp.num_states, S);
  EXPECT_EQ(mdp.num_actions, A);
  EXPECT_EQ(mdp.terminal, std::vector<bool>(S, false));
  for (double p : mdp.initial_distribution) EXPECT_EQ(p, 1.0 / S);
  for (int s = 0; s < S; ++s) {
    for (int a = 0; a < A; ++a) {
      const auto row = mdp.row(s, a);
      ASSERT_EQ(row.size(), static_cast<size_t>(b));
      std::set<int> next;
      double sum = 0.0;
      for (size_t k = 0; k < row.size(); ++k) {
        next.insert(row[k].next_state);
        if (k > 0) {
          EXPECT_LT(row[k - 1].next_state, row[k].next_state);  // ascending
        }
        EXPECT_GT(row[k].probability, 0.0);
        EXPECT_EQ(row[k].reward, row[0].reward);  // r(s, a): one reward per row
        sum += row[k].probability;
      }
      EXPECT_EQ(next.size(), static_cast<size_t>(b));
      EXPECT_NEAR(sum, 1.0, 1e-12);
      EXPECT_GE(row[0].reward, 0.0);
      EXPECT_LT(row[0].reward, 1.0);
      EXPECT_DOUBLE_EQ(mdp.expected_reward(s, a), row[0].reward * sum);
    }
  }
}

bool same_model(const TabularMdp& x, const TabularMdp& y) {
  if (x.rows.size() != y.rows.size()) return false;
  for (size_t k = 0; k < x.rows.size(); ++k) {
    if (x.rows[k].size() != y.rows[k].size()) return false;
    for (size_t i = 0; i < x.rows[k].size(); ++i) {
      const Transition& a = x.rows[k][i];
      const Transition& b = y.rows[k][i];
      if (a.next_state != b.next_state || a.probability != b.probability || a.reward != b.reward) {
        return false;
      }
    }
  }
  return true;
}

TEST(GarnetTest, SeedDeterminesTheModel) {
  EXPECT_TRUE(same_model(garnet_mdp(30, 3, 4, 1), garnet_mdp(30, 3, 4, 1)));
  EXPECT_FALSE(same_model(garnet_mdp(30, 3, 4, 1), garnet_mdp(30, 3, 4, 2)));
  EXPECT_EQ(garnet_mdp(30, 3, 4, 1).name, "garnet-30-3-4-seed1");
}

TEST(GarnetTest, FullBranchingAndSingleSuccessor) {
  const TabularMdp full = garnet_mdp(6, 2, 6, 3);
  for (const auto& row : full.rows) {
    ASSERT_EQ(row.size(), 6u);
    for (int k = 0; k < 6; ++k) EXPECT_EQ(row[static_cast<size_t>(k)].next_state, k);
  }
  const TabularMdp deterministic = garnet_mdp(6, 2, 1, 3);
  for (const auto& row : deterministic.rows) {
    ASSERT_EQ(row.size(), 1u);
    EXPECT_EQ(row[0].probability, 1.0);
  }
  EXPECT_NO_THROW(garnet_mdp(1, 1, 1, 0));
}

// Uniform cut points make a row's probabilities uniform on the simplex (Dirichlet(1, ..., 1)),
// whose smallest entry has mean 1/b^2 and standard deviation sqrt((b-1)/(b+1))/b^2; and each
// state is a successor in a row with probability b/S.
TEST(GarnetTest, ProbabilitiesAndSuccessorsHaveTheRightLaw) {
  const int S = 40;
  const int A = 500;
  const int b = 4;
  const TabularMdp mdp = garnet_mdp(S, A, b, 2024);
  const double n = static_cast<double>(S) * A;
  double min_sum = 0.0;
  std::vector<int> successor_counts(S, 0);
  for (const auto& row : mdp.rows) {
    double smallest = 1.0;
    for (const Transition& t : row) {
      smallest = std::min(smallest, t.probability);
      ++successor_counts[static_cast<size_t>(t.next_state)];
    }
    min_sum += smallest;
  }
  const double sd_min = std::sqrt((b - 1.0) / (b + 1.0)) / (b * b);
  EXPECT_NEAR(min_sum / n, 1.0 / (b * b), 5.0 * sd_min / std::sqrt(n));
  const double q = static_cast<double>(b) / S;
  for (int s = 0; s < S; ++s) {
    EXPECT_NEAR(successor_counts[static_cast<size_t>(s)], n * q, 5.0 * std::sqrt(n * q * (1 - q)))
        << "state " << s;
  }
}

TEST(GarnetTest, ArgumentsAreChecked) {
  auto error = [](int states, int actions, int branching) {
    try {
      garnet_mdp(states, actions, branching, 0);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_THAT(error(5, 2, 6), HasSubstr("branching must be in [1, states] = [1, 5]"));
  EXPECT_THAT(error(5, 2, 0), HasSubstr("branching must be in [1, states]"));
  EXPECT_THAT(error(0, 2, 1), HasSubstr("needs states >= 1"));
  EXPECT_THAT(error(5, 0, 1), HasSubstr("actions >= 1"));
  EXPECT_THAT(error(100000, 100000, 2), HasSubstr("is too many"));
}

}  // namespace
}  // namespace valor::env
