// MinAtar Space Invaders (minatar/environments/space_invaders.py, version 1.0.15), rule for rule:
// a cannon on the bottom row shoots at a block of aliens that marches sideways, steps down at the
// edges, shoots back, speeds up as it thins out and respawns (faster, when ramping) once cleared.
//
// Each 10x10 map is a 100-bit board, bit y * 10 + x for cell (y, x), so numpy's np.roll, slicing
// and count_nonzero become a few shifts, masks and popcounts.
#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <utility>

#include "valor/core/error.h"
#include "valor/env/minatar.h"

namespace valor::env {
namespace {

// Zeroes N bytes with straight-line 8-byte stores: a constant-size memset of a few hundred bytes
// compiles to `rep stos`, whose start-up cost is several times the whole store sequence.
template <size_t N>
inline void zero_bytes(uint8_t* p) {
  static_assert(N % 8 == 0);
  constexpr uint64_t kZero = 0;
  [&]<size_t... I>(std::index_sequence<I...>) { (std::memcpy(p + 8 * I, &kZero, 8), ...); }
  (std::make_index_sequence<N / 8>{});
}

__extension__ typedef unsigned __int128 Board;

constexpr Board kOne = 1;
constexpr Board kAll = (kOne << 100) - 1;

constexpr Board column_mask(int x) {
  Board m = 0;
  for (int y = 0; y < 10; ++y) m |= kOne << (y * 10 + x);
  return m;
}
constexpr std::array<Board, 10> kColumns = {
    column_mask(0), column_mask(1), column_mask(2), column_mask(3), column_mask(4),
    column_mask(5), column_mask(6), column_mask(7), column_mask(8), column_mask(9)};
constexpr Board kFirstColumn = kColumns[0];
constexpr Board kLastColumn = kColumns[9];
constexpr Board kLastRow = Board{0x3ff} << 90;

// alien_map[0:4, 2:8] = 1
constexpr Board initial_aliens() {
  Board m = 0;
  for (int y = 0; y < 4; ++y) {
    for (int x = 2; x < 8; ++x) m |= kOne << (y * 10 + x);
  }
  return m;
}
constexpr Board kInitialAliens = initial_aliens();

bool cell(Board b, int y, int x) { return (b >> (y * 10 + x)) & 1; }
int count(Board b) {
  return std::popcount(static_cast<uint64_t>(b)) + std::popcount(static_cast<uint64_t>(b >> 64));
}
int highest_bit(Board b) {  // b != 0
  const auto hi = static_cast<uint64_t>(b >> 64);
  return hi != 0 ? 127 - std::countl_zero(hi) : 63 - std::countl_zero(static_cast<uint64_t>(b));
}
// np.roll(m, 1, axis=0): every row moves down one, the last row wraps to the top.
Board roll_down(Board b) { return ((b << 10) & kAll) | (b >> 90); }
// np.roll(m, -1, axis=1) and np.roll(m, 1, axis=1): columns move left / right, wrapping.
Board roll_left(Board b) { return ((b >> 1) & ~kLastColumn) | ((b & kFirstColumn) << 9); }
Board roll_right(Board b) { return ((b << 1) & kAll & ~kFirstColumn) | ((b & kLastColumn) >> 9); }

// Writes 1 at channels c1 and c2 of every cell set in b.
void mark(Board b, int c1, int c2, int channels, uint8_t* grid) {
  for (auto lo = static_cast<uint64_t>(b); lo != 0; lo &= lo - 1) {
    uint8_t* cell = grid + std::countr_zero(lo) * channels;
    cell[c1] = cell[c2] = 1;
  }
  for (auto hi = static_cast<uint64_t>(b >> 64); hi != 0; hi &= hi - 1) {
    uint8_t* cell = grid + (64 + std::countr_zero(hi)) * channels;
    cell[c1] = cell[c2] = 1;
  }
}

constexpr int kChannels = 6;  // cannon, alien, alien_left, alien_right, friendly/enemy bullet
constexpr int kCannon = 0;
constexpr int kAlien = 1;
constexpr int kAlienLeft = 2;
constexpr int kAlienRight = 3;
constexpr int kFriendlyBullet = 4;
constexpr int kEnemyBullet = 5;

constexpr int kLeft = 1;
constexpr int kRight = 3;
constexpr int kFire = 5;
constexpr std::array<int, 4> kMinimalActions = {0, 1, 3, 5};  // n, l, r, f

constexpr int kShotCoolDown = 5;
constexpr int kEnemyMoveInterval = 12;
constexpr int kEnemyShotInterval = 10;

class SpaceInvaders final : public MinAtarGame {
 public:
  explicit SpaceInvaders(bool ramping) : ramping_(ramping) {}

  int channels() const override { return kChannels; }
  std::span<const int> minimal_actions() const override { return kMinimalActions; }

  void reset(NumpyRandomState&) override {
    pos_ = 5;
    friendly_bullets_ = 0;
    enemy_bullets_ = 0;
    aliens_ = kInitialAliens;
    alien_dir_ = -1;
    enemy_move_interval_ = kEnemyMoveInterval;
    alien_move_timer_ = enemy_move_interval_;
    alien_shot_timer_ = kEnemyShotInterval;
    shot_timer_ = 0;
    terminal_ = false;
  }

  float act(int action, NumpyRandomState&, bool& terminal) override {
    VALOR_CHECK(action >= 0 && action < kMinAtarFullActions, "action {}", action);
    terminal = terminal_;
    if (terminal_) return 0.0f;

    // A fire action during the cool-down does nothing (it is not a move either).
    if (action == kFire && shot_timer_ == 0) {
      friendly_bullets_ |= kOne << (90 + pos_);
      shot_timer_ = kShotCoolDown;
    } else if (action == kLeft) {
      pos_ = std::max(0, pos_ - 1);
    } else if (action == kRight) {
      pos_ = std::min(9, pos_ + 1);
    }

    // Bullets move one row (roll, then clear the row that wrapped around).
    friendly_bullets_ >>= 10;
    enemy_bullets_ = (enemy_bullets_ << 10) & kAll;
    if (cell(enemy_bullets_, 9, pos_)) terminal_ = true;

    if (cell(aliens_, 9, pos_)) terminal_ = true;
    if (alien_move_timer_ == 0) {
      alien_move_timer_ = std::min(count(aliens_), enemy_move_interval_);
      if (((aliens_ & kFirstColumn) != 0 && alien_dir_ < 0) ||
          ((aliens_ & kLastColumn) != 0 && alien_dir_ > 0)) {
        alien_dir_ = -alien_dir_;
        if ((aliens_ & kLastRow) != 0) terminal_ = true;
        aliens_ = roll_down(aliens_);  // the bottom row wraps to the top, as in numpy
      } else {
        aliens_ = alien_dir_ < 0 ? roll_left(aliens_) : roll_right(aliens_);
      }
      if (cell(aliens_, 9, pos_)) terminal_ = true;
    }
    if (alien_shot_timer_ == 0) {
      alien_shot_timer_ = kEnemyShotInterval;
      shoot_from_nearest_alien();
    }

    const Board kills = aliens_ & friendly_bullets_;
    const int reward = count(kills);
    aliens_ &= ~kills;
    friendly_bullets_ &= ~kills;

    shot_timer_ -= shot_timer_ > 0;
    --alien_move_timer_;
    --alien_shot_timer_;
    if (aliens_ == 0) {
      if (enemy_move_interval_ > 6 && ramping_) --enemy_move_interval_;
      aliens_ = kInitialAliens;
    }
    terminal = terminal_;
    return static_cast<float>(reward);
  }

  void state(std::span<uint8_t> grid) const override {
    VALOR_CHECK(grid.size() == 100 * kChannels, "grid has {} bytes", grid.size());
    zero_bytes<100 * kChannels>(grid.data());
    grid[(90 + pos_) * kChannels + kCannon] = 1;
    mark(aliens_, kAlien, alien_dir_ < 0 ? kAlienLeft : kAlienRight, kChannels, grid.data());
    mark(friendly_bullets_, kFriendlyBullet, kFriendlyBullet, kChannels, grid.data());
    mark(enemy_bullets_, kEnemyBullet, kEnemyBullet, kChannels, grid.data());
  }

 private:
  // _nearest_alien: columns by distance from the cannon, the left one first on a tie (Python's
  // stable sort of range(10)); the lowest alien of the first non-empty column shoots.
  void shoot_from_nearest_alien() {
    if (shoot_from_column(pos_)) return;
    for (int d = 1; d < 10; ++d) {
      if (shoot_from_column(pos_ - d) || shoot_from_column(pos_ + d)) return;
    }
    // Unreachable: the block is respawned at the end of any step that clears it.
    VALOR_CHECK(false, "no alien left to shoot");
  }
  bool shoot_from_column(int x) {
    if (x < 0 || x > 9) return false;
    const Board column = aliens_ & kColumns[x];
    if (column == 0) return false;
    enemy_bullets_ |= kOne << highest_bit(column);  // the lowest alien of the column
    return true;
  }

  bool ramping_;
  int pos_ = 5;
  Board friendly_bullets_ = 0;
  Board enemy_bullets_ = 0;
  Board aliens_ = kInitialAliens;
  int alien_dir_ = -1;
  int enemy_move_interval_ = kEnemyMoveInterval;
  int alien_move_timer_ = kEnemyMoveInterval;
  int alien_shot_timer_ = kEnemyShotInterval;
  int shot_timer_ = 0;
  bool terminal_ = false;
};

}  // namespace

std::unique_ptr<MinAtarGame> make_space_invaders_game(bool ramping) {
  return std::make_unique<SpaceInvaders>(ramping);
}

}  // namespace valor::env
