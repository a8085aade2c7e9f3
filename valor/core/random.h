// Rng: the project's default random generator, PCG64 (pcg-cpp's `pcg64`, XSL-RR 128/64) with
// the transforms to uniform, integer, normal and Bernoulli variates written out here so that
// results do not depend on the standard library's implementation-defined distributions.
// Every component owns an explicitly seeded Rng (design.md, "Determinism"); independent
// per-environment / per-replicate generators come from split(). docs/random.md has the exact
// algorithms and the state format.
#pragma once

#include <cstdint>
#include <limits>
#include <pcg_random.hpp>
#include <span>
#include <string>
#include <string_view>

namespace valor {

class Rng {
 public:
  using result_type = uint64_t;

  // pcg-cpp's `pcg64(seed, stream)`: the same seed and stream give the same sequence everywhere;
  // different streams give different sequences (different LCG increments).
  explicit Rng(uint64_t seed, uint64_t stream = 0);

  // UniformRandomBitGenerator, so that std::shuffle and friends accept an Rng.
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() { return next_u64(); }

  // One raw 64-bit output.
  uint64_t next_u64() { return engine_(); }

  // Uniform on [0, 1) on the grid k * 2^-53: the top 53 bits of one output.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Uniform on [0, 1) on the grid k * 2^-24: the top 24 bits of one output.
  float uniform_float() { return static_cast<float>(next_u64() >> 40) * 0x1.0p-24f; }

  // Uniform on {0, ..., n-1}, exactly unbiased (Lemire's multiply-and-reject). Throws
  // valor::Error when n == 0.
  uint64_t below(uint64_t n);

  // Uniform on {lo, ..., hi}, both ends included. Throws valor::Error when lo > hi.
  int64_t uniform_int(int64_t lo, int64_t hi);

  // Standard normal by Marsaglia's polar method; every second call returns the cached spare,
  // which is part of the saved state.
  double normal();

  // True with probability p (one uniform() draw: uniform() < p). Throws valor::Error unless
  // 0 <= p <= 1.
  bool bernoulli(double p);

  // An index k drawn with probability weights[k] / total, where the weights are >= 0 and sum to
  // `total` (not necessarily 1): one uniform() draw, inverted by scanning the weights in order;
  // rounding leftovers go to the last index.
  size_t weighted_index(std::span<const double> weights, double total);

  // A child generator determined by this generator's current state and `child`, independent of
  // it and of the other children for practical purposes. Does not advance this generator, so
  // split(i) for i = 0, 1, ... gives one generator per environment or replicate.
  Rng split(uint64_t child) const;

  // The full state (LCG state, increment, cached normal) as a versioned text line; a generator
  // restored by load_state() continues the identical stream.
  std::string save_state() const;
  // Replaces the state by one from save_state(); throws valor::Error on malformed input and
  // then leaves this generator unchanged.
  void load_state(std::string_view text);

  friend bool operator==(const Rng& a, const Rng& b);

 private:
  // pcg64 with its protected state made readable and writable, for save/load and split.
  class Engine : public pcg64 {
   public:
    using pcg64::pcg64;
    pcg64::state_type lcg_state() const { return state_; }
    pcg64::state_type lcg_increment() const { return inc_; }
    void set(pcg64::state_type state, pcg64::state_type increment) {
      state_ = state;
      inc_ = increment;
    }
  };

  Engine engine_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace valor
