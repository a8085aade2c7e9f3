#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "valor/core/numpy_random.h"
#include "valor/env/minatar.h"
#include "valor/env/minatar_testing.h"

namespace valor::env {
namespace {

using testing::active_cells;
using testing::channel_cells;

constexpr int kNoop = 0, kLeft = 1, kUp = 2, kRight = 3, kDown = 4, kFire = 5;
constexpr int kSubFront = 0, kSubBack = 1, kFriendlyBullet = 2, kTrail = 3, kEnemyBullet = 4,
              kEnemyFish = 5, kEnemySub = 6, kOxygenGauge = 7, kDiverGauge = 8, kDiver = 9;

int sub_y(const MinAtarGame& game) { return channel_cells(game, kSubFront).at(0) / 10; }

TEST(MinAtarSeaquestTest, StartsAtTheSurfaceWithFullOxygenAndNoDivers) {
  auto game = make_seaquest_game(true);
  NumpyRandomState rng(0);
  game->reset(rng);
  EXPECT_EQ(game->channels(), 10);
  EXPECT_EQ(game->minimal_actions().size(), 6u);
  EXPECT_EQ(channel_cells(*game, kSubFront), std::vector<int>{5});
  EXPECT_EQ(channel_cells(*game, kSubBack), std::vector<int>{6});  // facing left
  EXPECT_EQ(channel_cells(*game, kOxygenGauge),
            (std::vector<int>{90, 91, 92, 93, 94, 95, 96, 97, 98, 99}));
  EXPECT_TRUE(channel_cells(*game, kDiverGauge).empty());
  EXPECT_EQ(active_cells(*game).size(), 12u);
}

TEST(MinAtarSeaquestTest, MovesWithinTheGridAndShowsItsBackBehindIt) {
  auto game = make_seaquest_game(true);
  NumpyRandomState rng(0);
  game->reset(rng);
  bool terminal = false;
  // 12 steps down, clamped at row 8 (no enemy before step 21).
  for (int k = 0; k < 12; ++k) game->act(kDown, rng, terminal);
  EXPECT_EQ(channel_cells(*game, kSubFront), std::vector<int>{85});
  game->act(kRight, rng, terminal);
  EXPECT_EQ(channel_cells(*game, kSubFront), std::vector<int>{86});
  EXPECT_EQ(channel_cells(*game, kSubBack), std::vector<int>{85});  // facing right
  for (int k = 0; k < 5; ++k) game->act(kRight, rng, terminal);
  EXPECT_EQ(channel_cells(*game, kSubFront), std::vector<int>{89});
  EXPECT_EQ(channel_cells(*game, kSubBack), std::vector<int>{88});
  EXPECT_FALSE(terminal);
  // 18 steps under water: oxygen 182 of 200 still fills 9 of the 10 gauge cells.
  EXPECT_EQ(channel_cells(*game, kOxygenGauge).size(), 9u);
}

TEST(MinAtarSeaquestTest, SurfacingWithoutDiversEndsTheGame) {
  auto game = make_seaquest_game(true);
  NumpyRandomState rng(0);
  game->reset(rng);
  bool terminal = false;
  // Staying at the surface after the reset is safe: only coming back up counts as surfacing.
  for (int k = 0; k < 3; ++k) EXPECT_EQ(game->act(kUp, rng, terminal), 0.0f);
  EXPECT_FALSE(terminal);
  game->act(kDown, rng, terminal);
  EXPECT_FALSE(terminal);
  EXPECT_EQ(game->act(kUp, rng, terminal), 0.0f);
  EXPECT_TRUE(terminal);
  // A finished game ignores further actions.
  terminal = false;
  EXPECT_EQ(game->act(kDown, rng, terminal), 0.0f);
  EXPECT_TRUE(terminal);
  EXPECT_EQ(sub_y(*game), 0);
}

TEST(MinAtarSeaquestTest, FiresFromTheFrontWithACoolDown) {
  auto game = make_seaquest_game(true);
  NumpyRandomState rng(0);
  game->reset(rng);
  bool terminal = false;
  game->act(kFire, rng, terminal);  // from (0, 5) facing left; the bullet moves at once
  EXPECT_EQ(channel_cells(*game, kFriendlyBullet), std::vector<int>{4});
  game->act(kFire, rng, terminal);  // cooling down: no bullet, and the sub does not move
  EXPECT_EQ(channel_cells(*game, kFriendlyBullet), std::vector<int>{3});
  EXPECT_EQ(channel_cells(*game, kSubFront), std::vector<int>{5});
  game->act(kRight, rng, terminal);
  game->act(kFire, rng, terminal);
  game->act(kFire, rng, terminal);
  EXPECT_EQ(channel_cells(*game, kFriendlyBullet), std::vector<int>{0});
  game->act(kFire, rng, terminal);  // the sixth step may fire again, now to the right
  EXPECT_EQ(channel_cells(*game, kFriendlyBullet), std::vector<int>{7});
  game->act(kNoop, rng, terminal);  // the first bullet has left the grid
  EXPECT_EQ(channel_cells(*game, kFriendlyBullet), std::vector<int>{8});
  EXPECT_FALSE(terminal);
}

// The draws the game makes for its first enemy (step 21) and first diver (step 31).
struct FirstSpawns {
  bool enemy_right, enemy_is_sub, diver_right;
  int enemy_row, diver_row;
};
FirstSpawns first_spawns(uint32_t seed) {
  NumpyRandomState mirror(seed);
  FirstSpawns s;
  s.enemy_right = mirror.rand() < 0.5;
  s.enemy_is_sub = mirror.rand() < 1.0 / 3.0;
  s.enemy_row = static_cast<int>(mirror.randint(1, 9));
  s.diver_right = mirror.rand() < 0.5;
  s.diver_row = static_cast<int>(mirror.randint(1, 9));
  return s;
}

TEST(MinAtarSeaquestTest, SpawnsTheFirstEnemyAndDiverOnScheduleFromTheSharedGenerator) {
  bool saw_sub = false, saw_fish = false;
  for (uint32_t seed = 0; seed < 12; ++seed) {
    const FirstSpawns s = first_spawns(seed);
    saw_sub |= s.enemy_is_sub;
    saw_fish |= !s.enemy_is_sub;
    auto game = make_seaquest_game(true);
    NumpyRandomState rng(seed);
    game->reset(rng);
    bool terminal = false;
    const int enemy_channel = s.enemy_is_sub ? kEnemySub : kEnemyFish;
    const int ex = s.enemy_right ? 0 : 9, dx = s.enemy_right ? 1 : -1;
    for (int k = 0; k < 20; ++k) game->act(kNoop, rng, terminal);
    EXPECT_TRUE(channel_cells(*game, enemy_channel).empty());
    game->act(kNoop, rng, terminal);  // step 21: spawned on its edge, no trail yet
    EXPECT_EQ(channel_cells(*game, enemy_channel), std::vector<int>{s.enemy_row * 10 + ex});
    EXPECT_TRUE(channel_cells(*game, kTrail).empty());
    for (int k = 0; k < 5; ++k) game->act(kNoop, rng, terminal);  // first move on step 26
    EXPECT_EQ(channel_cells(*game, enemy_channel), std::vector<int>{s.enemy_row * 10 + ex + dx});
    EXPECT_EQ(channel_cells(*game, kTrail), std::vector<int>{s.enemy_row * 10 + ex});
    for (int k = 0; k < 4; ++k) game->act(kNoop, rng, terminal);
    EXPECT_TRUE(channel_cells(*game, kDiver).empty());
    EXPECT_TRUE(channel_cells(*game, kEnemyBullet).empty());
    game->act(kNoop, rng, terminal);  // step 31: a diver; a sub fires its first shot
    const int diver_x = s.diver_right ? 0 : 9;
    EXPECT_EQ(channel_cells(*game, kDiver), std::vector<int>{s.diver_row * 10 + diver_x});
    if (s.enemy_is_sub) {
      EXPECT_EQ(channel_cells(*game, kEnemyBullet),
                std::vector<int>{s.enemy_row * 10 + ex + 2 * dx});
    } else {
      EXPECT_TRUE(channel_cells(*game, kEnemyBullet).empty());
    }
    EXPECT_FALSE(terminal) << "seed " << seed;
  }
  EXPECT_TRUE(saw_sub && saw_fish);
}

// Rescues the first diver, then surfaces with it, then dives and surfaces with none. The seed is
// one whose first enemy swims below the diver's row; `late` picks one where the sub reaches the
// diver's row after the diver has started moving (the sub moves onto the diver) rather than
// before (the diver moves onto the sub).
void rescue_and_surface(bool late) {
  uint32_t seed = 0;
  FirstSpawns s{};
  for (;; ++seed) {
    s = first_spawns(seed);
    if (s.enemy_row > s.diver_row && (s.diver_row >= 7) == late) break;
  }
  SCOPED_TRACE("seed " + std::to_string(seed));
  auto game = make_seaquest_game(true);
  NumpyRandomState rng(seed);
  game->reset(rng);
  bool terminal = false;
  // At the surface, to column 1 (or 8), in the diver's path after its first move on step 36.
  for (int k = 0; k < 30; ++k) {
    const int a = s.diver_right ? (k < 4 ? kLeft : kNoop) : (k < 3 ? kRight : kNoop);
    game->act(a, rng, terminal);
  }
  int steps = 30;
  for (int k = 0; k < s.diver_row; ++k, ++steps) game->act(kDown, rng, terminal);
  while (channel_cells(*game, kDiverGauge).empty() && !terminal && steps < 40) {
    game->act(kNoop, rng, terminal);
    ++steps;
  }
  ASSERT_FALSE(terminal);
  // Rescued on the diver's first move (step 36), or on the sub's arrival in its row if later.
  EXPECT_EQ(steps, late ? 30 + s.diver_row : 36);
  EXPECT_EQ(channel_cells(*game, kDiverGauge), std::vector<int>{98});
  EXPECT_TRUE(channel_cells(*game, kDiver).empty());
  const size_t oxygen_before = channel_cells(*game, kOxygenGauge).size();
  EXPECT_LT(oxygen_before, 10u);
  float reward = 0.0f;
  while (sub_y(*game) > 0) reward += game->act(kUp, rng, terminal);
  EXPECT_FALSE(terminal);
  EXPECT_EQ(reward, 0.0f);  // fewer than 6 divers: no reward, one diver used up
  EXPECT_TRUE(channel_cells(*game, kDiverGauge).empty());
  EXPECT_EQ(channel_cells(*game, kOxygenGauge).size(), 10u);
  game->act(kDown, rng, terminal);
  game->act(kUp, rng, terminal);
  EXPECT_TRUE(terminal);
}

TEST(MinAtarSeaquestTest, DiverMovingOntoTheSubIsRescuedAndSurfacingUsesItUp) {
  rescue_and_surface(false);
}

TEST(MinAtarSeaquestTest, SubMovingOntoADiverRescuesItAndSurfacingUsesItUp) {
  rescue_and_surface(true);
}

// Action scripts found by a planner that avoids enemies, collects divers and surfaces, replayed
// through MinAtar 1.0.15's seaquest.py (sticky actions off) to record the trajectory's hash,
// rewards and ending. They reach what random play does not: oxygen running out, surfacing with
// six divers (reward, then the diver count drops to -1 so that surfacing with an empty gauge no
// longer ends the game), the difficulty ramp at its limit with an enemy spawning every step, and
// subs firing as they leave the grid or are shot down.
struct Script {
  uint32_t seed;
  bool ramping;
  const char* actions;
  uint64_t trajectory_hash;  // FNV-1a over the reset cells, then per step a, r, t, #cells, cells
  float total_reward;
  int terminal_step;   // -1: none
  int full_crew_step;  // the step that surfaces with six divers, -1: none
  float full_crew_reward;
  int empty_gauge_surfacings;  // surfacings with an empty diver gauge that did not end the game
};

const Script kScripts[] = {
    {1, true,
     "4444050050505000550505505000555441111225000550005550055000050444333333322200005005500050"
     "5003445003352230350535530500530352244335035530000330505330533502224443555003330535355055"
     "0050024222422444411111100055550505522333332242422422505424242424242424242205424242424244"
     "4444405554455320224025222035433300303433550303402050343255044405541514012052222250550540"
     "5550040050055005455400055545550050544040055222000522254555051501040545050504055555405550"
     "5454414422222250550522024445545055004505550400555545005054050505505022222251504050500501"
     "4505455500505455504143200054544522225141552210010500141113034505555450550540555554511204"
     "5522221002200140251144005510450001141500154532",
     0xe2703cc401f870eeULL, 34.0f, 661, 219, 8.0f, 18},
    {300, false,
     "4444505500050000000050050055505111110510555015100515550511151333333353005005000550505500"
     "0002234435053005533055533333353354111111112555505005555050555502205000353333344500005550"
     "0505521242224441111455005000505505544333333222222054242424254242424254205200254242424242"
     "424242424242424242424242424242424242",
     0xbc9f362e567f9d27ULL, 10.0f, -1, 224, 8.0f, 32},
    {12, true,
     "4444005000505555055505505050505111110110101115010511015105513222144455015511551511010051"
     "5004443333333322525335505203030344441111111122255505005555505554441222100515100150015051"
     "1055043333333320500505151",
     0xb01701792fee3fc3ULL, 0.0f, 200, -1, 0.0f, 0},
    {100, true,
     "4444555555505055000055555000550233334553000503553003553033355425300535553530355310005100"
     "5504441111112220555000050055050505505551010152343333305005555504444111112222505500055000"
     "0505022233324333444505550055505550544411111122222255555555555555555555555525555555444455"
     "55555555123455552222554444345555555555555555552222254453333333211455444",
     0x0fcb2f0eb582b7b8ULL, 9.0f, -1, 250, 6.0f, 2},
};

class Fnv1a {
 public:
  void mix(int64_t v) { h_ = (h_ ^ static_cast<uint64_t>(v)) * 0x100000001b3ULL; }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

TEST(MinAtarSeaquestTest, ScriptedRunsMatchTheReference) {
  for (const Script& script : kScripts) {
    SCOPED_TRACE("seed " + std::to_string(script.seed));
    auto game = make_seaquest_game(script.ramping);
    NumpyRandomState rng(script.seed);
    game->reset(rng);
    Fnv1a hash;
    for (int c : active_cells(*game)) hash.mix(c);
    float total = 0.0f;
    int terminal_step = -1, full_crew_step = -1, empty_gauge_surfacings = 0;
    float full_crew_reward = 0.0f;
    size_t gauge = 0;
    int y = 0;
    const std::string actions = script.actions;
    for (size_t k = 0; k < actions.size(); ++k) {
      ASSERT_EQ(terminal_step, -1) << "the game ended before the script did";
      const int a = actions[k] - '0';
      bool terminal = false;
      const float r = game->act(a, rng, terminal);
      const auto cells = active_cells(*game);
      hash.mix(a);
      hash.mix(static_cast<int64_t>(r));
      hash.mix(terminal);
      hash.mix(static_cast<int64_t>(cells.size()));
      for (int c : cells) hash.mix(c);
      total += r;
      const size_t new_gauge = channel_cells(*game, kDiverGauge).size();
      const int new_y = sub_y(*game);
      if (gauge == 6 && new_gauge == 0) {
        full_crew_step = static_cast<int>(k);
        full_crew_reward = r;
      }
      if (gauge == 0 && y == 1 && new_y == 0 && !terminal) ++empty_gauge_surfacings;
      if (terminal) terminal_step = static_cast<int>(k);
      gauge = new_gauge;
      y = new_y;
    }
    EXPECT_EQ(terminal_step, script.terminal_step);
    EXPECT_EQ(full_crew_step, script.full_crew_step);
    EXPECT_EQ(full_crew_reward, script.full_crew_reward);
    EXPECT_EQ(empty_gauge_surfacings, script.empty_gauge_surfacings);
    EXPECT_EQ(total, script.total_reward);
    EXPECT_EQ(hash.value(), script.trajectory_hash);
  }
}

TEST(MinAtarSeaquestTest, OxygenRunsOutAfter200StepsUnderWater) {
  // The third script dives on its first step and never surfaces.
  const Script& script = kScripts[2];
  auto game = make_seaquest_game(script.ramping);
  NumpyRandomState rng(script.seed);
  game->reset(rng);
  for (int k = 0; k <= 200; ++k) {
    bool terminal = false;
    game->act(script.actions[k] - '0', rng, terminal);
    ASSERT_GT(sub_y(*game), 0);
    EXPECT_EQ(terminal, k == 200) << "step " << k;
    if (k < 200) {  // 199 - k units of oxygen left, a gauge cell per 20
      EXPECT_EQ(channel_cells(*game, kOxygenGauge).size(), static_cast<size_t>((199 - k) / 20))
          << "step " << k;
    }
  }
}

TEST(MinAtarSeaquestTest, ASubShotDownAsItMovesStillFires) {
  // The fourth script: on step 332 the sub at (2, 4) moves right onto the player's bullet at
  // (2, 5) and is destroyed, yet the Python goes on with it and fires its shot, which moves to
  // (2, 6). (Possible only for a sub whose move interval changed during its life: otherwise its
  // moves and shots meet only on its 11th move, off the grid.)
  const Script& script = kScripts[3];
  auto game = make_seaquest_game(script.ramping);
  NumpyRandomState rng(script.seed);
  game->reset(rng);
  bool terminal = false;
  for (int k = 0; k < 331; ++k) game->act(script.actions[k] - '0', rng, terminal);
  ASSERT_FALSE(terminal);
  EXPECT_EQ(channel_cells(*game, kEnemySub), (std::vector<int>{24, 61}));
  EXPECT_EQ(channel_cells(*game, kFriendlyBullet), std::vector<int>{26});
  EXPECT_TRUE(channel_cells(*game, kEnemyBullet).empty());
  EXPECT_EQ(game->act(script.actions[331] - '0', rng, terminal), 1.0f);
  EXPECT_FALSE(terminal);
  EXPECT_EQ(channel_cells(*game, kEnemySub), std::vector<int>{61});
  EXPECT_EQ(channel_cells(*game, kEnemyBullet), std::vector<int>{26});
}

}  // namespace
}  // namespace valor::env
