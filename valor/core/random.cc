#include "valor/core/random.h"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <vector>

#include "valor/core/error.h"

namespace valor {
namespace {

using u128 = unsigned __int128;

constexpr std::string_view kStateTag = "pcg64";
constexpr std::string_view kStateVersion = "v1";

// The SplitMix64 output function (Steele, Lea & Flood, "Fast Splittable Pseudorandom Number
// Generators"): a bijection on 64-bit words with good avalanche, used to derive child seeds.
uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15u;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

uint64_t high64(u128 x) { return static_cast<uint64_t>(x >> 64); }
uint64_t low64(u128 x) { return static_cast<uint64_t>(x); }
u128 join128(uint64_t high, uint64_t low) { return (static_cast<u128>(high) << 64) | low; }

std::vector<std::string_view> whitespace_tokens(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) tokens.push_back(text.substr(start, i - start));
  }
  return tokens;
}

// Exactly `digits` hexadecimal digits (either case), most significant first.
u128 parse_hex(std::string_view token, std::size_t digits, std::string_view what) {
  u128 value = 0;
  bool ok = token.size() == digits;
  for (std::size_t i = 0; ok && i < token.size(); ++i) {
    const char c = token[i];
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    ok = d >= 0;
    value = (value << 4) | static_cast<u128>(d >= 0 ? d : 0);
  }
  if (!ok) {
    fail("Rng::load_state: {} must be exactly {} hexadecimal digits, got '{}'", what, digits,
         token);
  }
  return value;
}

}  // namespace

Rng::Rng(uint64_t seed, uint64_t stream) : engine_(seed, stream) {}

uint64_t Rng::below(uint64_t n) {
  if (n == 0) fail("Rng::below: n must be at least 1, got 0 (the range {{0, ..., n-1}} is empty)");
  // Lemire, "Fast Random Integer Generation in an Interval": the high word of x * n is uniform
  // once the low word's few biased values (low < 2^64 mod n) are rejected.
  u128 m = static_cast<u128>(next_u64()) * n;
  if (low64(m) < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low64(m) < threshold) m = static_cast<u128>(next_u64()) * n;
  }
  return high64(m);
}

int64_t Rng::uniform_int(int64_t lo, int64_t hi) {
  if (lo > hi) fail("Rng::uniform_int: lo > hi ({} > {}); the range [lo, hi] is empty", lo, hi);
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == std::numeric_limits<uint64_t>::max()) return static_cast<int64_t>(next_u64());
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + below(span + 1));
}

double Rng::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  // Marsaglia's polar method: a uniform point in the unit disc gives two independent normals.
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * factor;
  has_spare_normal_ = true;
  return u * factor;
}

bool Rng::bernoulli(double p) {
  if (!(p >= 0.0 && p <= 1.0)) fail("Rng::bernoulli: p must be in [0, 1], got {}", p);
  return uniform() < p;
}

size_t Rng::weighted_index(std::span<const double> weights, double total) {
  double u = uniform() * total;
  size_t k = 0;
  for (; k + 1 < weights.size(); ++k) {
    u -= weights[k];
    if (u < 0.0) break;
  }
  return k;
}

Rng Rng::split(uint64_t child) const {
  const u128 state = engine_.lcg_state();
  const u128 increment = engine_.lcg_increment();
  uint64_t h = 0x76616c6f722d7267u;  // "valor-rg": separates this use of mix64 from others
  for (uint64_t word : {high64(state), low64(state), high64(increment), low64(increment), child}) {
    h = mix64(h ^ word);
  }
  // mix64 is a bijection, so distinct children get distinct h and thus distinct increments,
  // i.e. distinct LCG sequences, not merely distinct starting points.
  Rng out(0);
  out.engine_ = Engine(join128(mix64(h ^ 1), mix64(h ^ 2)), join128(mix64(h ^ 3), mix64(h ^ 4)));
  return out;
}

std::string Rng::save_state() const {
  const u128 state = engine_.lcg_state();
  const u128 increment = engine_.lcg_increment();
  const std::string spare = has_spare_normal_
                                ? fmt::format("{:016x}", std::bit_cast<uint64_t>(spare_normal_))
                                : std::string("-");
  return fmt::format("{} {} {:016x}{:016x} {:016x}{:016x} {}", kStateTag, kStateVersion,
                     high64(state), low64(state), high64(increment), low64(increment), spare);
}

void Rng::load_state(std::string_view text) {
  const std::vector<std::string_view> tokens = whitespace_tokens(text);
  if (tokens.size() < 2 || tokens[0] != kStateTag || tokens[1] != kStateVersion) {
    fail("Rng::load_state: the state must start with '{} {}' (as written by save_state), got '{}'",
         kStateTag, kStateVersion, text.substr(0, 40));
  }
  if (tokens.size() != 5) {
    fail(
        "Rng::load_state: expected '{} {} <32 hex digits state> <32 hex digits increment> "
        "<spare normal: '-' or 16 hex digits>' (5 fields), got {} fields",
        kStateTag, kStateVersion, tokens.size());
  }
  const u128 state = parse_hex(tokens[2], 32, "the LCG state");
  const u128 increment = parse_hex(tokens[3], 32, "the LCG increment");
  if ((increment & 1) == 0) {
    fail("Rng::load_state: the LCG increment must be odd, got '{}'", tokens[3]);
  }
  bool has_spare = false;
  double spare = 0.0;
  if (tokens[4] != "-") {
    spare = std::bit_cast<double>(static_cast<uint64_t>(parse_hex(tokens[4], 16, "the spare")));
    if (!std::isfinite(spare)) {
      fail("Rng::load_state: the spare normal must be a finite double, got '{}'", tokens[4]);
    }
    has_spare = true;
  }
  engine_.set(state, increment);
  has_spare_normal_ = has_spare;
  spare_normal_ = spare;
}

bool operator==(const Rng& a, const Rng& b) {
  return a.engine_.lcg_state() == b.engine_.lcg_state() &&
         a.engine_.lcg_increment() == b.engine_.lcg_increment() &&
         a.has_spare_normal_ == b.has_spare_normal_ &&
         (!a.has_spare_normal_ ||
          std::bit_cast<uint64_t>(a.spare_normal_) == std::bit_cast<uint64_t>(b.spare_normal_));
}

}  // namespace valor
