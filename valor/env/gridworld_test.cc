#include "valor/env/gridworld.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "valor/core/error.h"

namespace valor::env {
namespace {

using ::testing::HasSubstr;

constexpr int kUp = kGridworldUp;
constexpr int kRight = kGridworldRight;
constexpr int kDown = kGridworldDown;
constexpr int kLeft = kGridworldLeft;

// The row as sorted (next_state, probability, reward) triples, for exact comparison.
struct Outcome {
  int next;
  double p;
  double r;
};

void expect_row(const TabularMdp& mdp, int s, int a, const std::vector<Outcome>& expected) {
  const auto row = mdp.row(s, a);
  ASSERT_EQ(row.size(), expected.size()) << "state " << s << " action " << a;
  for (size_t k = 0; k < row.size(); ++k) {
    EXPECT_EQ(row[k].next_state, expected[k].next) << "state " << s << " action " << a << " #" << k;
    EXPECT_NEAR(row[k].probability, expected[k].p, 1e-15)
        << "state " << s << " action " << a << " #" << k;
    EXPECT_DOUBLE_EQ(row[k].reward, expected[k].r) << "state " << s << " action " << a << " #" << k;
  }
}

std::string map_error(std::string_view text, const GridworldOptions& options = {}) {
  try {
    gridworld_from_map(text, options, "maps/test.txt");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// States, row by row, walls skipped:
//   S . G      0 1 2
//   . # T      3 - 4
TEST(GridworldTest, HandCheckedTransitionsWithSlip) {
  const GridworldOptions options{
      .slip = 0.2, .goal_reward = 1.0, .trap_reward = -1.0, .step_reward = -0.1};
  const TabularMdp mdp = gridworld_from_map("S.G\n.#T\n", options, "small");
  ASSERT_EQ(mdp.num_states, 5);
  ASSERT_EQ(mdp.num_actions, 4);
  EXPECT_EQ(mdp.name, "small");
  EXPECT_EQ(mdp.terminal, (std::vector<bool>{false, false, true, false, true}));
  EXPECT_EQ(mdp.initial_distribution, (std::vector<double>{1, 0, 0, 0, 0}));
  EXPECT_EQ(mdp.state_labels,
            (std::vector<std::string>{"(0,0)", "(0,1)", "(0,2)", "(1,0)", "(1,2)"}));
  EXPECT_EQ(mdp.action_names, (std::vector<std::string>{"up", "right", "down", "left"}));

  // (0,0) right: 0.8 to (0,1); slips up (off the map: stays) or down to (1,0), 0.1 each.
  expect_row(mdp, 0, kRight, {{0, 0.1, -0.1}, {1, 0.8, -0.1}, {3, 0.1, -0.1}});
  // (0,0) up: 0.8 off the map and 0.1 left off the map stay; 0.1 right.
  expect_row(mdp, 0, kUp, {{0, 0.9, -0.1}, {1, 0.1, -0.1}});
  // (0,1) down: 0.8 into the wall (stay); slips left to (0,0) or right into the goal.
  expect_row(mdp, 1, kDown, {{0, 0.1, -0.1}, {1, 0.8, -0.1}, {2, 0.1, 1.0}});
  // (0,1) right: 0.8 into the goal; slips up (stay) or down (wall: stay).
  expect_row(mdp, 1, kRight, {{1, 0.2, -0.1}, {2, 0.8, 1.0}});
  // (1,0) right: 0.8 into the wall and 0.1 down off the map stay; 0.1 up to (0,0).
  expect_row(mdp, 3, kRight, {{0, 0.1, -0.1}, {3, 0.9, -0.1}});
  // (1,0) left: 0.8 off the map; slips up to (0,0) or down off the map.
  expect_row(mdp, 3, kLeft, {{0, 0.1, -0.1}, {3, 0.9, -0.1}});
  // Terminal states loop with reward 0.
  for (int a = 0; a < 4; ++a) {
    expect_row(mdp, 2, a, {{2, 1.0, 0.0}});
    expect_row(mdp, 4, a, {{4, 1.0, 0.0}});
  }
}

TEST(GridworldTest, DeterministicMovesAndTrapReward) {
  const TabularMdp mdp = gridworld_from_map("S.G\n.#T\n", {}, "small");
  // Default options: no slip, goal +1, trap -1, step 0.
  expect_row(mdp, 0, kDown, {{3, 1.0, 0.0}});
  expect_row(mdp, 1, kRight, {{2, 1.0, 1.0}});
  const TabularMdp trap = gridworld_from_map("S.T\n..G\n", {}, "trap");
  expect_row(trap, 1, kRight, {{2, 1.0, -1.0}});
  expect_row(trap, 1, kDown, {{4, 1.0, 0.0}});
  expect_row(trap, 4, kRight, {{5, 1.0, 1.0}});
}

TEST(GridworldTest, CostCellsAndStepReward) {
  const TabularMdp mdp = gridworld_from_map("S2G\n", {.step_reward = -0.5}, "cost");
  expect_row(mdp, 0, kRight, {{1, 1.0, -2.0}});
  expect_row(mdp, 1, kLeft, {{0, 1.0, -0.5}});
  // A blocked move ends on the cost cell again, and pays its reward again.
  expect_row(mdp, 1, kUp, {{1, 1.0, -2.0}});
  expect_row(mdp, 0, kLeft, {{0, 1.0, -0.5}});
}

// States:  . . .   0 1 2
//          S C G   3 - 4
TEST(GridworldTest, CliffSendsBackToStart) {
  const GridworldOptions options{.slip = 0.2, .cliff_reward = -100.0, .step_reward = -1.0};
  const TabularMdp mdp = gridworld_from_map("...\nSCG\n", options, "cliff");
  ASSERT_EQ(mdp.num_states, 5);
  EXPECT_EQ(mdp.state_labels[4], "(1,2)");
  // Outcomes are sorted by next state, then reward.
  // (1,0) right: 0.8 into the cliff -> start with -100; slips up to (0,0) or down off the map.
  expect_row(mdp, 3, kRight, {{0, 0.1, -1.0}, {3, 0.8, -100.0}, {3, 0.1, -1.0}});
  // (1,0) up: 0.8 to (0,0); slips right into the cliff or left off the map: the start twice.
  expect_row(mdp, 3, kUp, {{0, 0.8, -1.0}, {3, 0.1, -100.0}, {3, 0.1, -1.0}});
  EXPECT_DOUBLE_EQ(mdp.probability(3, kUp, 3), 0.2);
  EXPECT_DOUBLE_EQ(mdp.expected_reward(3, kUp), -0.8 - 10.0 - 0.1);
  // (0,1) down: into the cliff with 0.8.
  expect_row(mdp, 1, kDown, {{0, 0.1, -1.0}, {2, 0.1, -1.0}, {3, 0.8, -100.0}});
}

TEST(GridworldTest, SeveralStartsAreUniform) {
  const TabularMdp mdp = gridworld_from_map("S.S\nS.G\n", {}, "starts");
  EXPECT_EQ(mdp.initial_distribution, (std::vector<double>{1.0 / 3, 0, 1.0 / 3, 1.0 / 3, 0, 0}));
  // A cliff splits its probability evenly over the starts.
  const TabularMdp cliff = gridworld_from_map("S.S\n.CG\n", {.cliff_reward = -5.0}, "starts");
  expect_row(cliff, 1, kDown, {{0, 0.5, -5.0}, {2, 0.5, -5.0}});
}

TEST(GridworldTest, BlankEdgesAndCarriageReturnsAreAccepted) {
  const TabularMdp mdp = gridworld_from_map("\n  \nS.\r\n.G\r\n\n   \n", {}, "crlf");
  EXPECT_EQ(mdp.num_states, 4);
  EXPECT_EQ(mdp.picture, (std::vector<std::string>{"S.", ".G"}));
}

TEST(GridworldTest, UnknownCharacterNamesLineAndColumn) {
  const std::string message = map_error("S.x\n..G\n");
  EXPECT_THAT(message, HasSubstr("maps/test.txt:1:3: unknown character 'x'"));
  EXPECT_THAT(message, HasSubstr("'#' wall, '.' empty, 'S' start, 'G' goal, 'T' trap"));
  // Line numbers count the blank lines before the map.
  EXPECT_THAT(map_error("\n\nS..\n.?G\n"), HasSubstr("maps/test.txt:4:2: unknown character '?'"));
  EXPECT_THAT(map_error("S. \n..G\n"),
              HasSubstr("maps/test.txt:1:3: unknown character ' ' (space)"));
  EXPECT_THAT(map_error("S.\t\n..G\n"), HasSubstr("maps/test.txt:1:3: unknown character a tab"));
  EXPECT_THAT(map_error("S.0\n..G\n"), HasSubstr("maps/test.txt:1:3: unknown character '0'"));
}

TEST(GridworldTest, RaggedRowsNameLineAndColumn) {
  EXPECT_THAT(
      map_error("S..\n..\n..G\n"),
      HasSubstr("maps/test.txt:2:3: this row has 2 cells but the first row (line 1) has 3"));
  EXPECT_THAT(
      map_error("S..\n....\n..G\n"),
      HasSubstr("maps/test.txt:2:4: this row has 4 cells but the first row (line 1) has 3"));
}

TEST(GridworldTest, StructuralErrors) {
  EXPECT_THAT(map_error("S..\n\n..G\n"), HasSubstr("maps/test.txt:2:1: blank line inside the map"));
  EXPECT_THAT(map_error(""), HasSubstr("maps/test.txt: the map is empty"));
  EXPECT_THAT(map_error("\n \n"), HasSubstr("maps/test.txt: the map is empty"));
  EXPECT_THAT(map_error("...\n..G\n"), HasSubstr("maps/test.txt: the map has no start cell 'S'"));
  EXPECT_THAT(map_error("S..\n...\n"), HasSubstr("maps/test.txt: the map has no goal cell 'G'"));
}

TEST(GridworldTest, UnreachableGoalIsAnError) {
  EXPECT_THAT(map_error("S#G\n.#.\n"),
              HasSubstr("maps/test.txt:1:1: no goal 'G' is reachable from this start"));
  // A trap is terminal: the goal behind it cannot be reached.
  EXPECT_THAT(map_error("S.T.G\n"), HasSubstr("maps/test.txt:1:1: no goal"));
  // So is a wall of cliff cells: falling in leads back to the start, never past the cliff.
  EXPECT_THAT(map_error("S.C.G\n"), HasSubstr("maps/test.txt:1:1: no goal"));
  EXPECT_THAT(map_error("S.C.G\n"), HasSubstr("a cliff leads only back to the starts"));
  // The second start is cut off.
  EXPECT_THAT(map_error("S.G\n###\n.S.\n"), HasSubstr("maps/test.txt:3:2: no goal"));
  // With slip 1 the chosen direction is never taken; the perpendicular moves still reach the goal.
  EXPECT_EQ(map_error("S#\n.G\n", {.slip = 1.0}), "(no error)");
}

// A cliff is a move to the starts, so the reachability check goes on from every start: a start
// whose only way out is the cliff reaches the goal through another start (with two starts, each
// fall lands on either with probability 1/2).
TEST(GridworldTest, CliffLeadsToEveryStartInTheReachabilityCheck) {
  const std::string map = "S#G\nC#.\nS..\n";
  ASSERT_EQ(map_error(map), "(no error)");
  const TabularMdp mdp = gridworld_from_map(map, {}, "two-starts");
  // State 0 is the upper start (0,0), 3 the lower start (2,0); moving down from 0 falls.
  expect_row(mdp, 0, kDown, {{0, 0.5, -100.0}, {3, 0.5, -100.0}});
  // With one start the same cliff only leads back to it.
  EXPECT_THAT(map_error("S#G\nC#.\n...\n"), HasSubstr("maps/test.txt:1:1: no goal"));
}

// A map's header sets its options; the overrides (the command line) replace the header's.
TEST(GridworldTest, HeaderSetsOptionsAndOverridesWin) {
  const std::string body = "S.\n.G\n";
  const std::string header =
      "# a comment\n\nslip = 0.2\nstep_reward=-1\n  goal_reward =  5 \ncliff_reward = -7\n"
      "trap_reward = -3\n";
  const GridworldOverrides h = gridworld_header(header + body, "m");
  EXPECT_EQ(h.describe(),
            "slip 0.2, goal_reward 5, trap_reward -3, cliff_reward -7, step_reward -1");
  const GridworldOptions direct{
      .slip = 0.2, .goal_reward = 5, .trap_reward = -3, .cliff_reward = -7, .step_reward = -1};
  const TabularMdp from_header = gridworld_from_map(header + body, {}, "m");
  const TabularMdp plain = gridworld_from_map(body, direct, "m");
  ASSERT_EQ(from_header.num_states, plain.num_states);
  for (int s = 0; s < plain.num_states; ++s) {
    for (int a = 0; a < 4; ++a) {
      const auto row = plain.row(s, a);
      std::vector<Outcome> expected;
      for (const auto& t : row) expected.push_back({t.next_state, t.probability, t.reward});
      expect_row(from_header, s, a, expected);
    }
  }
  GridworldOverrides cli;
  cli.step_reward = -2;
  cli.slip = 0.0;
  const TabularMdp overridden = gridworld_from_map(header + body, {}, "m", cli);
  expect_row(overridden, 0, kRight, {{1, 1.0, -2.0}});  // slip 0, step -2; goal still 5
  expect_row(overridden, 1, kDown, {{3, 1.0, 5.0}});
  // The header replaces the caller's options only where it sets them.
  const TabularMdp partial =
      gridworld_from_map("step_reward = -1\n" + body, {.goal_reward = 9}, "m");
  expect_row(partial, 1, kDown, {{3, 1.0, 9.0}});
  expect_row(partial, 0, kRight, {{1, 1.0, -1.0}});
  // Line numbers in errors still count the header's lines.
  EXPECT_THAT(map_error("slip = 0.1\n# c\nS.\n.x\n"), HasSubstr("maps/test.txt:4:2: unknown"));
  // A map without a header is unchanged, and '#' rows are still walls.
  EXPECT_EQ(map_error("#\nS\nG\n"), "(no error)");
}

TEST(GridworldTest, HeaderErrorsNameTheLine) {
  EXPECT_THAT(map_error("\nwind = 3\nSG\n"),
              HasSubstr("maps/test.txt:2: unknown header key 'wind'; a map's header sets slip, "
                        "goal_reward, trap_reward, cliff_reward, step_reward"));
  EXPECT_THAT(map_error("slip = lots\nSG\n"),
              HasSubstr("maps/test.txt:1: slip = 'lots' is not a finite number"));
  EXPECT_THAT(map_error("slip =\nSG\n"), HasSubstr("slip = '' is not a finite number"));
  EXPECT_THAT(map_error("step_reward = inf\nSG\n"), HasSubstr("is not a finite number"));
  EXPECT_THAT(map_error("slip = 1.5\nSG\n"), HasSubstr("maps/test.txt:1: slip = 1.5 must be in"));
  EXPECT_THAT(map_error("slip = 0.1\nslip = 0.2\nSG\n"),
              HasSubstr("maps/test.txt:2: slip is set twice"));
  // After the first row a setting is part of the map, and not a valid row.
  EXPECT_THAT(map_error("SG\nslip = 0.1\n"), HasSubstr("maps/test.txt:2:1: unknown character 's'"));
}

TEST(GridworldTest, LargeMapWithManyStartsBuilds) {
  // 100 x 100 cells, all starts but the goal: the reachability check is one backward search.
  std::string text;
  for (int r = 0; r < 100; ++r) text += std::string(99, 'S') + (r == 99 ? "G\n" : "S\n");
  const TabularMdp mdp = gridworld_from_map(text, {.slip = 0.1}, "big");
  EXPECT_EQ(mdp.num_states, 10000);
  EXPECT_DOUBLE_EQ(mdp.initial_distribution[0], 1.0 / 9999);
  EXPECT_EQ(mdp.initial_distribution[9999], 0.0);
}

TEST(GridworldTest, OptionsAreChecked) {
  EXPECT_THAT(map_error("SG\n", {.slip = 1.5}), HasSubstr("maps/test.txt: slip must be in [0, 1]"));
  EXPECT_THAT(map_error("SG\n", {.slip = -0.1}), HasSubstr("slip must be in [0, 1]"));
  EXPECT_THAT(map_error("SG\n", {.slip = std::nan("")}), HasSubstr("slip must be in [0, 1]"));
  EXPECT_THAT(map_error("SG\n", {.goal_reward = std::numeric_limits<double>::infinity()}),
              HasSubstr("goal_reward must be finite"));
}

TEST(GridworldTest, EpisodeTerminatesOnGoalAndRendersTheAgent) {
  TabularEnv env(gridworld_from_map("S.G\n.#T\n", {}, "small"), 0, 0);
  env.reset();
  EXPECT_EQ(env.render(), "A.G\n.#T\n");
  StepResult result = env.step(kRight);
  EXPECT_FALSE(result.terminated);
  EXPECT_EQ(result.reward, 0.0f);
  EXPECT_EQ(env.render(), "SAG\n.#T\n");
  result = env.step(kRight);
  EXPECT_TRUE(result.terminated);
  EXPECT_EQ(result.reward, 1.0f);
  EXPECT_EQ(env.state(), 2);
  EXPECT_EQ(env.render(), "S.A\n.#T\n");
  EXPECT_THROW(env.step(kLeft), Error);
}

TEST(GridworldTest, PresetsBuild) {
  for (const GridworldPreset& preset : gridworld_presets()) {
    const TabularMdp mdp = gridworld_preset_mdp(preset.name);
    EXPECT_EQ(mdp.name, preset.name);
    EXPECT_NO_THROW(TabularEnv(mdp, preset.max_episode_steps)) << preset.name;
  }
  EXPECT_THAT(
      [] {
        try {
          gridworld_preset("maze");
        } catch (const Error& e) {
          return std::string(e.what());
        }
        return std::string();
      }(),
      HasSubstr("unknown gridworld 'maze'; the built-in gridworlds are gridworld-4x4, cliff"));
}

TEST(GridworldTest, CliffWalkingReturns) {
  const TabularMdp mdp = gridworld_preset_mdp("cliff");
  EXPECT_EQ(mdp.num_states, 48 - 10);
  TabularEnv env(mdp, 0, 0);
  env.reset();
  const int start = env.state();
  EXPECT_EQ(mdp.state_labels[static_cast<size_t>(start)], "(3,0)");
  // Falling into the cliff: -100, back at the start, the episode goes on.
  StepResult result = env.step(kRight);
  EXPECT_EQ(result.reward, -100.0f);
  EXPECT_FALSE(result.terminated);
  EXPECT_EQ(env.state(), start);
  // The optimal path along the edge: up, 11 x right, down = 13 steps at -1.
  double total = 0.0;
  result = env.step(kUp);
  total += result.reward;
  for (int i = 0; i < 11; ++i) total += env.step(kRight).reward;
  result = env.step(kDown);
  total += result.reward;
  EXPECT_TRUE(result.terminated);
  EXPECT_EQ(total, -13.0);
}

TEST(GridworldTest, FrozenLakeMatchesGymnasium) {
  const TabularMdp mdp = gridworld_preset_mdp("frozen-lake-4x4");
  ASSERT_EQ(mdp.num_states, 16);
  const std::vector<int> holes = {5, 7, 11, 12};
  for (int s = 0; s < 16; ++s) {
    const bool hole = std::find(holes.begin(), holes.end(), s) != holes.end();
    EXPECT_EQ(mdp.terminal[static_cast<size_t>(s)], hole || s == 15) << s;
  }
  // Gymnasium's DOWN from state 0: left (stay), down (4), right (1), 1/3 each.
  const double third = 1.0 / 3.0;
  expect_row(mdp, 0, kDown, {{0, third, 0.0}, {1, third, 0.0}, {4, third, 0.0}});
  // State 14 RIGHT: goal 15 (+1), up 10, down (stay at 14).
  expect_row(mdp, 14, kRight, {{10, third, 0.0}, {14, third, 0.0}, {15, third, 1.0}});
  // State 6 LEFT: 5 is a hole (reward 0), up 2, down 10.
  expect_row(mdp, 6, kLeft, {{2, third, 0.0}, {5, third, 0.0}, {10, third, 0.0}});
  EXPECT_EQ(gridworld_preset("frozen-lake-8x8").max_episode_steps, 200);
  EXPECT_EQ(gridworld_preset_mdp("frozen-lake-8x8").num_states, 64);
}

}  // namespace
}  // namespace valor::env
