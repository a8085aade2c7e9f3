// MinAtar Freeway (minatar/environments/freeway.py, version 1.0.15), bit for bit: the chicken
// crosses eight lanes of wrapping cars; reaching the top gives +1 and re-draws the car speeds; the
// episode ends after 2500 frames. The game has no difficulty ramp.
#include <array>
#include <cstdlib>
#include <cstring>

#include "valor/env/minatar.h"

namespace valor::env {
namespace {

constexpr int kPlayerSpeed = 3;
constexpr int kTimeLimit = 2500;
constexpr int kCars = 8;

// Channels, in the order of the Python dict: chicken, car, speed1..speed5.
constexpr int kChicken = 0;
constexpr int kCar = 1;
constexpr int kSpeed1 = 2;
constexpr int kChannels = 7;

constexpr std::array<int, 3> kMinimalActions = {0, 2, 4};  // n, u, d

// One entry of the Python `cars` list: [x, y, timer, speed]; the sign of speed is the direction.
struct Car {
  int x = 0;
  int y = 0;
  int timer = 0;
  int speed = 0;
};

class FreewayGame final : public MinAtarGame {
 public:
  int channels() const override { return kChannels; }
  std::span<const int> minimal_actions() const override { return kMinimalActions; }

  void reset(NumpyRandomState& rng) override {
    randomize_cars(rng, /*initialize=*/true);
    pos_ = 9;
    move_timer_ = kPlayerSpeed;
    terminate_timer_ = kTimeLimit;
    terminal_ = false;
  }

  float act(int action, NumpyRandomState& rng, bool& terminal) override {
    int r = 0;
    if (terminal_) {
      terminal = true;
      return 0.0f;
    }
    if (action == 2 && move_timer_ == 0) {  // u
      move_timer_ = kPlayerSpeed;
      pos_ = pos_ > 0 ? pos_ - 1 : 0;
    } else if (action == 4 && move_timer_ == 0) {  // d
      move_timer_ = kPlayerSpeed;
      pos_ = pos_ < 9 ? pos_ + 1 : 9;
    }
    if (pos_ == 0) {
      ++r;
      randomize_cars(rng, /*initialize=*/false);
      pos_ = 9;
    }
    for (Car& car : cars_) {
      if (car.x == 4 && car.y == pos_) pos_ = 9;
      if (car.timer == 0) {
        car.timer = std::abs(car.speed);
        car.x += car.speed > 0 ? 1 : -1;
        if (car.x < 0) {
          car.x = 9;
        } else if (car.x > 9) {
          car.x = 0;
        }
        if (car.x == 4 && car.y == pos_) pos_ = 9;
      } else {
        --car.timer;
      }
    }
    if (move_timer_ > 0) --move_timer_;
    --terminate_timer_;
    if (terminate_timer_ < 0) terminal_ = true;
    terminal = terminal_;
    return static_cast<float>(r);
  }

  void state(std::span<uint8_t> grid) const override {
    std::memset(grid.data(), 0, grid.size());
    grid[cell(pos_, 4) + kChicken] = 1;
    // Python keeps `trail` from the previous car when a speed is 0 (a direction draw of exactly
    // 0.5, probability 2^-53); the first car then has none (Python would raise).
    int trail = -1;
    for (const Car& car : cars_) {
      grid[cell(car.y, car.x) + kCar] = 1;
      int back_x = car.speed > 0 ? car.x - 1 : car.x + 1;
      if (back_x < 0) {
        back_x = 9;
      } else if (back_x > 9) {
        back_x = 0;
      }
      const int speed = std::abs(car.speed);
      if (speed >= 1 && speed <= 5) trail = kSpeed1 + speed - 1;
      if (trail >= 0) grid[cell(car.y, back_x) + static_cast<size_t>(trail)] = 1;
    }
  }

 private:
  static size_t cell(int y, int x) {
    return static_cast<size_t>((y * kMinAtarSize + x) * kChannels);
  }

  // _randomize_cars: randint(1, 6, 8) then rand(8), each the same stream as 8 scalar draws; the
  // direction is np.sign(u - 0.5), which is 0 for u == 0.5 exactly.
  void randomize_cars(NumpyRandomState& rng, bool initialize) {
    std::array<int, kCars> speeds;
    for (int& s : speeds) s = static_cast<int>(rng.randint(1, 6));
    for (int& s : speeds) {
      const double d = rng.rand() - 0.5;
      s *= d > 0.0 ? 1 : (d < 0.0 ? -1 : 0);
    }
    for (int i = 0; i < kCars; ++i) {
      Car& car = cars_[static_cast<size_t>(i)];
      if (initialize) {
        car.x = 0;
        car.y = i + 1;
      }
      car.timer = std::abs(speeds[static_cast<size_t>(i)]);
      car.speed = speeds[static_cast<size_t>(i)];
    }
  }

  std::array<Car, kCars> cars_{};
  int pos_ = 9;
  int move_timer_ = kPlayerSpeed;
  int terminate_timer_ = kTimeLimit;
  bool terminal_ = false;
};

}  // namespace

std::unique_ptr<MinAtarGame> make_freeway_game(bool /*ramping: Freeway has no ramp*/) {
  return std::make_unique<FreewayGame>();
}

}  // namespace valor::env
