// MinAtar Asterix (minatar/environments/asterix.py, version 1.0.15), bit for bit: enemies and gold
// spawn in rows 1..8 from either side; touching gold gives +1, touching an enemy ends the episode.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "valor/core/error.h"
#include "valor/env/minatar.h"

namespace valor::env {
namespace {

constexpr int kRampInterval = 100;
constexpr int kInitSpawnSpeed = 10;
constexpr int kInitMoveInterval = 5;
constexpr size_t kSlots = 8;

// Channels, in the order of the Python dict.
constexpr int kPlayer = 0;
constexpr int kEnemy = 1;
constexpr int kTrail = 2;
constexpr int kGold = 3;
constexpr int kChannels = 4;

constexpr std::array<int, 5> kMinimalActions = {0, 1, 2, 3, 4};  // n, l, u, r, d

// The Python `entities` list has 8 slots and the entity in slot i always lives in row i + 1, so
// the state is kept per slot in small parallel arrays rather than as a list of records: only the
// slot of the player's row can ever touch the player, the move is one branch-free pass over the
// slots, and state() writes every slot's two cells, from byte offsets kept up to date as the
// entities spawn and move, without branches.
class AsterixGame final : public MinAtarGame {
 public:
  explicit AsterixGame(bool ramping) : ramping_(ramping) {
    for (size_t i = 0; i < kSlots; ++i) place(i);
  }

  int channels() const override { return kChannels; }
  std::span<const int> minimal_actions() const override { return kMinimalActions; }

  void reset(NumpyRandomState&) override {
    player_x_ = 5;
    player_y_ = 5;
    alive_ = {};
    x_ = {};
    dx_ = {};
    gold_ = {};
    for (size_t i = 0; i < kSlots; ++i) place(i);
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
    // l / r / u / d by table, clamped to columns 0..9 and rows 1..8: the action is random in
    // training, so a switch here is a branch the predictor keeps missing.
    if (static_cast<unsigned>(action) < kMinAtarFullActions) {
      player_x_ = std::clamp(player_x_ + kActionDx[static_cast<size_t>(action)], 0, 9);
      player_y_ = std::clamp(player_y_ + kActionDy[static_cast<size_t>(action)], 1, 8);
    }
    // Only the entity of the player's row can share the player's cell.
    const auto s = static_cast<size_t>(player_y_ - 1);
    if (alive_[s] & (x_[s] == player_x_)) touch(s, r);
    if (move_timer_ == 0) {
      move_timer_ = move_speed_;
      // Dead slots move too, harmlessly: they stay dead, and every column is clamped to the grid
      // so that state() can draw any slot.
      for (size_t i = 0; i < kSlots; ++i) {
        const int x = x_[i] + dx_[i];
        alive_[i] &= static_cast<uint8_t>(static_cast<unsigned>(x) <= 9);
        x_[i] = static_cast<int8_t>(std::clamp(x, 0, 9));
        place(i);
      }
      // An entity that left the grid is dead, so it cannot touch the player.
      if (alive_[s] & (x_[s] == player_x_)) touch(s, r);
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
    VALOR_CHECK(grid.size() == kGridBytes, "asterix: grid has {} bytes", grid.size());
    uint8_t* const out = grid.data();
    std::memset(out, 0, kGridBytes);
    out[cell(player_y_, player_x_) + kPlayer] = 1;
    // Every slot writes its entity cell and its trail cell, 0 for a dead slot or a trail off the
    // grid. No other slot writes the enemy, gold or trail channels of its row, so a 0 written
    // there only repeats the clearing above.
    for (size_t i = 0; i < kSlots; ++i) {
      out[entity_byte_[i]] = alive_[i];
      out[trail_byte_[i]] = alive_[i] & trail_on_grid_[i];
    }
  }

 private:
  static constexpr size_t kGridBytes = 100 * kChannels;
  static constexpr std::array<int, kMinAtarFullActions> kActionDx = {0, -1, 0, 1, 0, 0};
  static constexpr std::array<int, kMinAtarFullActions> kActionDy = {0, 0, -1, 0, 1, 0};

  static size_t cell(int y, int x) {
    return static_cast<size_t>((y * kMinAtarSize + x) * kChannels);
  }

  // Updates where state() draws slot i, from its column, direction and kind: its entity byte and
  // its trail byte (behind it, clamped onto the grid, and drawn only if it was on it).
  void place(size_t i) {
    const int y = static_cast<int>(i) + 1;
    const int back_x = x_[i] - dx_[i];
    entity_byte_[i] = static_cast<uint16_t>(cell(y, x_[i]) + (gold_[i] ? kGold : kEnemy));
    trail_byte_[i] = static_cast<uint16_t>(cell(y, std::clamp(back_x, 0, 9)) + kTrail);
    trail_on_grid_[i] = static_cast<uint8_t>(static_cast<unsigned>(back_x) <= 9);
  }

  void touch(size_t slot, int& r) {
    if (gold_[slot]) {
      alive_[slot] = 0;
      ++r;
    } else {
      terminal_ = true;
    }
  }

  // _spawn_entity: both uniforms are drawn even when every slot is taken.
  void spawn_entity(NumpyRandomState& rng) {
    const bool lr = rng.rand() < 1.0 / 2;
    const bool gold = rng.rand() < 1.0 / 3;
    // The free slots in order, listed without branching on which ones are free (slot i is
    // written at index n <= i, kept only if free).
    std::array<size_t, kSlots> free_slots;
    size_t n = 0;
    for (size_t i = 0; i < kSlots; ++i) {
      free_slots[n] = i;
      n += !alive_[i];
    }
    if (n == 0) return;
    const size_t slot = free_slots[static_cast<size_t>(rng.randint(static_cast<int64_t>(n)))];
    alive_[slot] = 1;
    x_[slot] = static_cast<int8_t>(lr ? 0 : 9);
    dx_[slot] = static_cast<int8_t>(lr ? 1 : -1);
    gold_[slot] = gold;
    place(slot);
  }

  bool ramping_;
  int player_x_ = 5;
  int player_y_ = 5;
  // Slot i (the Python entities[i]), in row i + 1: alive (not None), column (always on the
  // grid, even for a dead slot), step per move (+1 when spawned at x 0 moving right, else -1),
  // gold or enemy; and where state() draws it (place()).
  std::array<uint8_t, kSlots> alive_{};
  std::array<int8_t, kSlots> x_{};
  std::array<int8_t, kSlots> dx_{};
  std::array<uint8_t, kSlots> gold_{};
  std::array<uint16_t, kSlots> entity_byte_{};
  std::array<uint16_t, kSlots> trail_byte_{};
  std::array<uint8_t, kSlots> trail_on_grid_{};
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
