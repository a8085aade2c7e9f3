// MinAtar Asterix (minatar/environments/asterix.py, version 1.0.15), bit for bit: enemies and gold
// spawn in rows 1..8 from either side; touching gold gives +1, touching an enemy ends the episode.
#include <algorithm>
#include <array>
#include <cstring>

#include "valor/env/minatar.h"

namespace valor::env {
namespace {

constexpr int kRampInterval = 100;
constexpr int kInitSpawnSpeed = 10;
constexpr int kInitMoveInterval = 5;
constexpr int kSlots = 8;

// Channels, in the order of the Python dict.
constexpr int kPlayer = 0;
constexpr int kEnemy = 1;
constexpr int kTrail = 2;
constexpr int kGold = 3;
constexpr int kChannels = 4;

constexpr std::array<int, 5> kMinimalActions = {0, 1, 2, 3, 4};  // n, l, u, r, d

// One entry of the Python `entities` list: [x, y, lr, is_gold], or None when !alive.
struct Entity {
  int x = 0;
  int y = 0;
  bool lr = false;  // moving right (spawned at x = 0)
  bool gold = false;
  bool alive = false;
};

class AsterixGame final : public MinAtarGame {
 public:
  explicit AsterixGame(bool ramping) : ramping_(ramping) {}

  int channels() const override { return kChannels; }
  std::span<const int> minimal_actions() const override { return kMinimalActions; }

  void reset(NumpyRandomState&) override {
    player_x_ = 5;
    player_y_ = 5;
    entities_ = {};
    spawn_speed_ = kInitSpawnSpeed;
    spawn_timer_ = spawn_speed_;
    move_speed_ = kInitMoveInterval;
    move_timer_ = move_speed_;
    ramp_timer_ = kRampInterval;
    ramp_index_ = 0;
    terminal_ = false;
  }

  float act(int action, NumpyRandomState& rng, bool& terminal) override {
    int r = 0;
    if (terminal_) {
      terminal = true;
      return 0.0f;
    }
    if (spawn_timer_ == 0) {
      spawn_entity(rng);
      spawn_timer_ = spawn_speed_;
    }
    switch (action) {
      case 1:  // l
        player_x_ = std::max(0, player_x_ - 1);
        break;
      case 3:  // r
        player_x_ = std::min(9, player_x_ + 1);
        break;
      case 2:  // u
        player_y_ = std::max(1, player_y_ - 1);
        break;
      case 4:  // d
        player_y_ = std::min(8, player_y_ + 1);
        break;
      default:
        break;
    }
    for (Entity& e : entities_) {
      if (e.alive && e.x == player_x_ && e.y == player_y_) touch(e, r);
    }
    if (move_timer_ == 0) {
      move_timer_ = move_speed_;
      for (Entity& e : entities_) {
        if (!e.alive) continue;
        e.x += e.lr ? 1 : -1;
        // An entity that left the grid cannot touch the player (who is always inside it).
        if (e.x < 0 || e.x > 9) {
          e.alive = false;
        } else if (e.x == player_x_ && e.y == player_y_) {
          touch(e, r);
        }
      }
    }
    --spawn_timer_;
    --move_timer_;
    if (ramping_ && (spawn_speed_ > 1 || move_speed_ > 1)) {
      if (ramp_timer_ >= 0) {
        --ramp_timer_;
      } else {
        if (move_speed_ > 1 && ramp_index_ % 2 != 0) --move_speed_;
        if (spawn_speed_ > 1) --spawn_speed_;
        ++ramp_index_;
        ramp_timer_ = kRampInterval;
      }
    }
    terminal = terminal_;
    return static_cast<float>(r);
  }

  void state(std::span<uint8_t> grid) const override {
    std::memset(grid.data(), 0, grid.size());
    grid[cell(player_y_, player_x_) + kPlayer] = 1;
    for (const Entity& e : entities_) {
      if (!e.alive) continue;
      grid[cell(e.y, e.x) + (e.gold ? kGold : kEnemy)] = 1;
      const int back_x = e.lr ? e.x - 1 : e.x + 1;
      if (back_x >= 0 && back_x <= 9) grid[cell(e.y, back_x) + kTrail] = 1;
    }
  }

 private:
  static size_t cell(int y, int x) {
    return static_cast<size_t>((y * kMinAtarSize + x) * kChannels);
  }

  void touch(Entity& e, int& r) {
    if (e.gold) {
      e.alive = false;
      ++r;
    } else {
      terminal_ = true;
    }
  }

  // _spawn_entity: both uniforms are drawn even when every slot is taken.
  void spawn_entity(NumpyRandomState& rng) {
    const bool lr = rng.rand() < 1.0 / 2;
    const bool gold = rng.rand() < 1.0 / 3;
    std::array<int, kSlots> free_slots;
    int n = 0;
    for (int i = 0; i < kSlots; ++i) {
      if (!entities_[static_cast<size_t>(i)].alive) free_slots[static_cast<size_t>(n++)] = i;
    }
    if (n == 0) return;
    const int slot = free_slots[static_cast<size_t>(rng.randint(n))];
    entities_[static_cast<size_t>(slot)] = Entity{lr ? 0 : 9, slot + 1, lr, gold, true};
  }

  bool ramping_;
  int player_x_ = 5;
  int player_y_ = 5;
  std::array<Entity, kSlots> entities_{};
  int spawn_speed_ = kInitSpawnSpeed;
  int spawn_timer_ = kInitSpawnSpeed;
  int move_speed_ = kInitMoveInterval;
  int move_timer_ = kInitMoveInterval;
  int ramp_timer_ = kRampInterval;
  int ramp_index_ = 0;
  bool terminal_ = false;
};

}  // namespace

std::unique_ptr<MinAtarGame> make_asterix_game(bool ramping) {
  return std::make_unique<AsterixGame>(ramping);
}

}  // namespace valor::env
