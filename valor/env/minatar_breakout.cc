// MinAtar Breakout (minatar/environments/breakout.py, version 1.0.15), rule for rule: a paddle on
// the bottom row, a ball moving along diagonals, three rows of bricks that refill when cleared.
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

constexpr int kChannels = 4;  // paddle, ball, trail, brick (the Python dict's order)
constexpr int kPaddle = 0;
constexpr int kBall = 1;
constexpr int kTrail = 2;
constexpr int kBrick = 3;

constexpr int kLeft = 1;
constexpr int kRight = 3;
constexpr std::array<int, 3> kMinimalActions = {0, 1, 3};  // n, l, r

// Ball directions 0..3: up-left, up-right, down-right, down-left.
constexpr std::array<int, 4> kDx = {-1, 1, 1, -1};
constexpr std::array<int, 4> kDy = {-1, -1, 1, 1};
constexpr std::array<int, 4> kFlipX = {1, 0, 3, 2};    // off a side wall
constexpr std::array<int, 4> kFlipY = {3, 2, 1, 0};    // off the ceiling, a brick or the paddle
constexpr std::array<int, 4> kReverse = {2, 3, 0, 1};  // off the paddle's edge: straight back

constexpr uint16_t kFullRow = 0x3ff;
// Bricks only ever occupy rows 1-3: reset and the refill set them there, nothing else adds any.
constexpr int kFirstBrickRow = 1;
constexpr int kLastBrickRow = 3;

class Breakout final : public MinAtarGame {
 public:
  int channels() const override { return kChannels; }
  std::span<const int> minimal_actions() const override { return kMinimalActions; }

  void reset(NumpyRandomState& rng) override {
    ball_y_ = 3;
    const bool start_right = rng.randint(2) == 1;
    ball_x_ = start_right ? 9 : 0;
    ball_dir_ = start_right ? 3 : 2;
    pos_ = 4;
    bricks_.fill(0);
    fill_bricks();
    strike_ = false;
    last_x_ = ball_x_;
    last_y_ = ball_y_;
    terminal_ = false;
  }

  float act(int action, NumpyRandomState&, bool& terminal) override {
    VALOR_CHECK(action >= 0 && action < kMinAtarFullActions, "action {}", action);
    terminal = terminal_;
    if (terminal_) return 0.0f;
    float reward = 0.0f;

    if (action == kLeft) {
      pos_ = std::max(0, pos_ - 1);
    } else if (action == kRight) {
      pos_ = std::min(9, pos_ + 1);
    }

    last_x_ = ball_x_;
    last_y_ = ball_y_;
    int new_x = ball_x_ + kDx[ball_dir_];
    int new_y = ball_y_ + kDy[ball_dir_];

    bool strike_toggle = false;
    if (new_x < 0 || new_x > 9) {
      new_x = std::clamp(new_x, 0, 9);
      ball_dir_ = kFlipX[ball_dir_];
    }
    if (new_y < 0) {
      new_y = 0;
      ball_dir_ = kFlipY[ball_dir_];
    } else if (brick(new_y, new_x)) {
      strike_toggle = true;
      // A second brick on consecutive steps is not broken: the ball moves into its cell.
      if (!strike_) {
        reward += 1.0f;
        strike_ = true;
        bricks_[new_y] &= static_cast<uint16_t>(~(1u << new_x));
        new_y = last_y_;
        ball_dir_ = kFlipY[ball_dir_];
      }
    } else if (new_y == 9) {
      if (no_bricks()) fill_bricks();
      // The paddle has already moved; Python compares it with the ball's old x first.
      if (ball_x_ == pos_) {
        ball_dir_ = kFlipY[ball_dir_];
        new_y = last_y_;
      } else if (new_x == pos_) {
        ball_dir_ = kReverse[ball_dir_];
        new_y = last_y_;
      } else {
        terminal_ = true;
      }
    }
    if (!strike_toggle) strike_ = false;

    ball_x_ = new_x;
    ball_y_ = new_y;
    terminal = terminal_;
    return reward;
  }

  void state(std::span<uint8_t> grid) const override {
    VALOR_CHECK(grid.size() == 100 * kChannels, "grid has {} bytes", grid.size());
    zero_bytes<100 * kChannels>(grid.data());
    grid[(ball_y_ * 10 + ball_x_) * kChannels + kBall] = 1;
    grid[(90 + pos_) * kChannels + kPaddle] = 1;
    grid[(last_y_ * 10 + last_x_) * kChannels + kTrail] = 1;
    for (int y = kFirstBrickRow; y <= kLastBrickRow; ++y) {
      uint8_t* cells = &grid[y * 10 * kChannels + kBrick];
      for (int x = 0; x < 10; ++x) cells[x * kChannels] = (bricks_[y] >> x) & 1u;
    }
  }

  // Channel-first: four planes of 100 cells; bricks fill rows 1-3 of the last plane.
  bool state_chw(std::span<uint8_t> out) const override { return draw_chw(out); }
  bool state_chw(std::span<float> out) const override { return draw_chw(out); }

 private:
  template <typename T>
  bool draw_chw(std::span<T> out) const {
    VALOR_CHECK(out.size() == 100 * kChannels, "observation has {} elements", out.size());
    T* o = out.data();
    zero_bytes<100 * kChannels * sizeof(T)>(reinterpret_cast<uint8_t*>(o));
    o[kBall * 100 + ball_y_ * 10 + ball_x_] = 1;
    o[kPaddle * 100 + 90 + pos_] = 1;
    o[kTrail * 100 + last_y_ * 10 + last_x_] = 1;
    for (int y = kFirstBrickRow; y <= kLastBrickRow; ++y) {
      T* cells = o + kBrick * 100 + y * 10;
      const unsigned row = bricks_[y];
      for (int x = 0; x < 10; ++x) cells[x] = static_cast<T>((row >> x) & 1u);
    }
    return true;
  }

  bool brick(int y, int x) const { return (bricks_[y] >> x) & 1u; }
  bool no_bricks() const {
    return std::all_of(bricks_.begin(), bricks_.end(), [](uint16_t row) { return row == 0; });
  }
  void fill_bricks() {  // brick_map[1:4, :] = 1
    for (int y = kFirstBrickRow; y <= kLastBrickRow; ++y) bricks_[y] = kFullRow;
  }

  int ball_x_ = 0, ball_y_ = 0, ball_dir_ = 0;
  int last_x_ = 0, last_y_ = 0;
  int pos_ = 4;
  std::array<uint16_t, 10> bricks_{};  // bit x of row y: a brick at (y, x)
  bool strike_ = false;
  bool terminal_ = false;
};

}  // namespace

// Breakout has no difficulty ramp.
std::unique_ptr<MinAtarGame> make_breakout_game(bool /*ramping*/) {
  return std::make_unique<Breakout>();
}

}  // namespace valor::env
