#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <string>
#include <vector>

#include "valor/core/numpy_random.h"
#include "valor/env/minatar.h"

namespace valor::env {
namespace {

constexpr int kC = 7;  // chicken, car, speed1..speed5
constexpr int kChicken = 0;
constexpr int kCar = 1;
constexpr int kSpeed1 = 2;
enum Action { kNoop = 0, kLeft = 1, kUp = 2, kRight = 3, kDown = 4, kFire = 5 };

std::vector<uint8_t> grid_of(const MinAtarGame& game) {
  std::vector<uint8_t> grid(static_cast<size_t>(100 * game.channels()), 7);
  game.state(grid);
  return grid;
}

std::vector<int> active_cells(const std::vector<uint8_t>& grid) {
  std::vector<int> cells;
  for (size_t i = 0; i < grid.size(); ++i) {
    if (grid[i]) cells.push_back(static_cast<int>(i));
  }
  return cells;
}

bool at(const std::vector<uint8_t>& grid, int y, int x, int c) {
  return grid[static_cast<size_t>((y * 10 + x) * kC + c)] != 0;
}

// The chicken's row (it is always in column 4), or -1 when there is no chicken.
int chicken_row(const std::vector<uint8_t>& grid) {
  for (int y = 0; y < 10; ++y) {
    if (at(grid, y, 4, kChicken)) return y;
  }
  return -1;
}

// The signed speeds _randomize_cars draws: randint(1, 6, 8), then np.sign(rand(8) - 0.5).
std::array<int, 8> predict_speeds(NumpyRandomState& rng) {
  std::array<int, 8> speeds;
  for (int& s : speeds) s = static_cast<int>(rng.randint(1, 6));
  for (int& s : speeds) s *= rng.rand() < 0.5 ? -1 : 1;
  return speeds;
}

// Checks that lane y's trail sits behind the car at `car_x` in the channel of `speed`.
void expect_trail(const std::vector<uint8_t>& grid, int y, int car_x, int speed) {
  const int back_x = ((speed > 0 ? car_x - 1 : car_x + 1) + 10) % 10;
  const int channel = kSpeed1 + std::abs(speed) - 1;
  for (int x = 0; x < 10; ++x) {
    for (int c = kSpeed1; c < kC; ++c) {
      EXPECT_EQ(at(grid, y, x, c), x == back_x && c == channel)
          << "lane " << y << " x " << x << " channel " << c << " (speed " << speed << ")";
    }
  }
}

TEST(MinAtarFreeway, ResetDrawsSpeedsThenDirections) {
  auto game = make_freeway_game(true);
  EXPECT_EQ(game->channels(), 7);
  EXPECT_EQ(std::vector<int>(game->minimal_actions().begin(), game->minimal_actions().end()),
            (std::vector<int>{0, 2, 4}));
  for (uint32_t seed = 0; seed < 10; ++seed) {
    NumpyRandomState rng(seed);
    NumpyRandomState predict = rng;
    const auto speeds = predict_speeds(predict);
    game->reset(rng);
    EXPECT_EQ(rng, predict) << "reset draws 8 randint(1, 6) and 8 rand()";
    const auto grid = grid_of(*game);
    EXPECT_EQ(chicken_row(grid), 9);
    for (int y = 1; y <= 8; ++y) {
      for (int x = 0; x < 10; ++x) EXPECT_EQ(at(grid, y, x, kCar), x == 0) << y << "," << x;
      expect_trail(grid, y, 0, speeds[static_cast<size_t>(y - 1)]);
    }
    EXPECT_EQ(active_cells(grid).size(), 17u);
  }
}

// The chicken moves at most once every 3 frames; cars move every |speed| + 1 frames.
TEST(MinAtarFreeway, ChickenAndCarsMoveOnTheirTimers) {
  auto game = make_freeway_game(false);
  NumpyRandomState rng(11);
  NumpyRandomState predict = rng;
  const auto speeds = predict_speeds(predict);
  game->reset(rng);
  std::array<int, 8> car_x{};
  int t = 1;
  for (; t <= 60; ++t) {
    auto before = grid_of(*game);
    bool terminal = false;
    const NumpyRandomState rng_before = rng;
    const float r = game->act(kUp, rng, terminal);
    const auto grid = grid_of(*game);
    if (r != 0.0f) break;  // new speeds: ReachingTheTopGivesOneAndRedrawsTheSpeeds checks those
    EXPECT_EQ(rng, rng_before) << "no draws without reaching the top";
    for (size_t i = 0; i < 8; ++i) {
      const int period = std::abs(speeds[i]) + 1;
      if (t % period == 0) car_x[i] = (car_x[i] + (speeds[i] > 0 ? 1 : -1) + 10) % 10;
      const int y = static_cast<int>(i) + 1;
      EXPECT_TRUE(at(grid, y, car_x[i], kCar)) << "t " << t << " lane " << y;
      expect_trail(grid, y, car_x[i], speeds[i]);
    }
    const int from = chicken_row(before);
    const int to = chicken_row(grid);
    if (t % 3 != 1 || t == 1) {
      // Between moves the chicken can only be sent back to the bottom by a car.
      EXPECT_TRUE(to == from || to == 9) << "t " << t;
    } else {
      EXPECT_TRUE(to == from - 1 || to == 9) << "t " << t << ": " << from << " -> " << to;
    }
    if (to == 9 && from != 9) {
      // Hit: a car was (or now is) at column 4 of the row the chicken was in or moved to.
      bool car_there = false;
      for (int y : {from, from - 1}) {
        car_there = car_there || at(before, y, 4, kCar) || at(grid, y, 4, kCar);
      }
      EXPECT_TRUE(car_there) << "t " << t;
    }
  }
  EXPECT_GT(t, 12) << "checked too few frames";
}

TEST(MinAtarFreeway, ReachingTheTopGivesOneAndRedrawsTheSpeeds) {
  int wins = 0;
  for (uint32_t seed = 0; seed < 10 && wins < 3; ++seed) {
    auto game = make_freeway_game(true);
    NumpyRandomState rng(seed);
    game->reset(rng);
    bool terminal = false;
    while (!terminal) {
      const auto before = grid_of(*game);
      NumpyRandomState predict = rng;
      const float r = game->act(kUp, rng, terminal);
      const auto grid = grid_of(*game);
      if (r == 0.0f) {
        EXPECT_EQ(rng, predict);
        continue;
      }
      ++wins;
      ASSERT_EQ(r, 1.0f);
      EXPECT_EQ(chicken_row(before), 1);
      EXPECT_EQ(chicken_row(grid), 9);
      const auto speeds = predict_speeds(predict);
      EXPECT_EQ(rng, predict) << "the win draws 8 randint(1, 6) and 8 rand()";
      // New speeds reset every car's timer to |speed| >= 1, so no car moves on this frame.
      for (int y = 1; y <= 8; ++y) {
        for (int x = 0; x < 10; ++x) {
          EXPECT_EQ(at(grid, y, x, kCar), at(before, y, x, kCar)) << y << "," << x;
          if (at(grid, y, x, kCar)) expect_trail(grid, y, x, speeds[static_cast<size_t>(y - 1)]);
        }
      }
    }
  }
  EXPECT_GE(wins, 1) << "always pressing up never reached the top";
}

TEST(MinAtarFreeway, EpisodeEndsAfter2500Frames) {
  auto game = make_freeway_game(true);
  NumpyRandomState rng(2);
  game->reset(rng);
  bool terminal = false;
  for (int t = 1; t <= 2500; ++t) {
    game->act(kNoop, rng, terminal);
    ASSERT_FALSE(terminal) << "t " << t;
  }
  EXPECT_EQ(game->act(kDown, rng, terminal), 0.0f);
  EXPECT_TRUE(terminal);
  const auto grid = grid_of(*game);
  const NumpyRandomState before = rng;
  terminal = false;
  EXPECT_EQ(game->act(kUp, rng, terminal), 0.0f);
  EXPECT_TRUE(terminal);
  EXPECT_EQ(rng, before);
  EXPECT_EQ(grid_of(*game), grid);
  game->reset(rng);
  game->act(kNoop, rng, terminal);
  EXPECT_FALSE(terminal);
}

}  // namespace
}  // namespace valor::env
