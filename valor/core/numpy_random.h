// NumpyRandomState: a bit-for-bit reimplementation of numpy's legacy `numpy.random.RandomState`
// (MT19937) for the calls MinAtar makes, so that C++ environments replay the Python reference
// trajectories exactly. Verified against numpy 1.24.2; see docs/random.md for the algorithm and
// the state format. Use valor::Rng for everything that need not match numpy.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace valor {

class NumpyRandomState {
 public:
  static constexpr int kStateWords = 624;

  // Same stream as `numpy.random.RandomState(seed)` (MT19937 `init_genrand(seed)`).
  explicit NumpyRandomState(uint32_t seed);

  // One raw tempered MT19937 output; numpy: `randint(2**32, dtype=np.uint32)`.
  uint32_t u32();

  // numpy `rand()` / `random_sample()`: a double in [0, 1) with 53 random bits, from two draws.
  double rand();
  // numpy `rand(n)`: n scalar draws in order.
  std::vector<double> rand(std::size_t n);

  // numpy `randint(low, high)` with the default int64 dtype: uniform on [low, high) by masked
  // rejection sampling (32-bit draws when high - low <= 2^32, else 64-bit draws); no draw at
  // all when the range holds a single value. Throws valor::Error when low >= high.
  int64_t randint(int64_t low, int64_t high);
  // numpy `randint(high)`, i.e. randint(0, high).
  int64_t randint(int64_t high);
  // numpy `randint(low, high, n)`: n scalar draws in order.
  std::vector<int64_t> randint(int64_t low, int64_t high, std::size_t n);

  // The full generator state as a versioned text line; load_state() of it continues the
  // identical stream. The key words and position are those of numpy's `get_state()`.
  std::string save_state() const;
  // Replaces the state by one from save_state(); throws valor::Error on malformed input and
  // then leaves this generator unchanged.
  void load_state(std::string_view text);

  friend bool operator==(const NumpyRandomState&, const NumpyRandomState&) = default;

 private:
  void twist();
  uint64_t next_u64();
  uint64_t bounded(uint64_t range);  // uniform on [0, range], numpy's masked method

  std::array<uint32_t, kStateWords> key_;
  int pos_;
};

// Inline: MinAtar draws on every step, so these sit on the hottest path of the environments.
inline uint32_t NumpyRandomState::u32() {
  if (pos_ == kStateWords) twist();
  uint32_t y = key_[static_cast<size_t>(pos_++)];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

inline double NumpyRandomState::rand() {
  const uint32_t a = u32() >> 5;
  const uint32_t b = u32() >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

}  // namespace valor
