#include "valor/core/numpy_random.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "valor/core/error.h"

// Every expected value below was produced by numpy 1.24.2 (Debian python3-numpy) with the
// Python snippet quoted next to it; `R` is `numpy.random.RandomState`.

namespace valor {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// for s in [0, 1, 42, 2**32 - 1, 5489]:
//     print(R(s).randint(2**32, dtype=np.uint32, size=5).tolist())
// (With dtype uint32 and this range numpy returns one raw MT19937 output per value.)
TEST(NumpyRandomStateTest, RawOutputsMatchNumpy) {
  const std::vector<std::pair<uint32_t, std::array<uint32_t, 5>>> cases = {
      {0, {2357136044u, 2546248239u, 3071714933u, 3626093760u, 2588848963u}},
      {1, {1791095845u, 4282876139u, 3093770124u, 4005303368u, 491263u}},
      {42, {1608637542u, 3421126067u, 4083286876u, 787846414u, 3143890026u}},
      {4294967295u, {419326371u, 479346978u, 3918654476u, 2416749639u, 3388880820u}},
      {5489, {3499211612u, 581869302u, 3890346734u, 3586334585u, 545404204u}},
  };
  for (const auto& [seed, expected] : cases) {
    NumpyRandomState rs(seed);
    std::array<uint32_t, 5> got{};
    for (auto& v : got) v = rs.u32();
    EXPECT_EQ(got, expected) << "seed " << seed;
  }
}

// r = R(5489); print(r.randint(2**32, dtype=np.uint32, size=10000)[-1])
// (also the value the C++ standard requires of std::mt19937's 10000th output)
TEST(NumpyRandomStateTest, TenThousandthOutputMatchesReference) {
  NumpyRandomState rs(5489);
  for (int i = 0; i < 9999; ++i) rs.u32();
  EXPECT_EQ(rs.u32(), 4123659995u);
}

// for s in [0, 1, 42, 2**32 - 1]:
//     r = R(s); print([repr(r.rand()) for _ in range(3)])
TEST(NumpyRandomStateTest, RandMatchesNumpy) {
  const std::vector<std::pair<uint32_t, std::array<double, 3>>> cases = {
      {0, {0.5488135039273248, 0.7151893663724195, 0.6027633760716439}},
      {1, {0.417022004702574, 0.7203244934421581, 0.00011437481734488664}},
      {42, {0.3745401188473625, 0.9507143064099162, 0.7319939418114051}},
      {4294967295u, {0.0976320289940138, 0.9123828453026218, 0.78903530185164}},
  };
  for (const auto& [seed, expected] : cases) {
    NumpyRandomState rs(seed);
    for (double want : expected) EXPECT_EQ(rs.rand(), want) << "seed " << seed;
  }
}

// highs = [1, 2, 3, 6, 10, 100, 2**31 + 1, 2**32, 2**32 + 1, 2**40, 2**62 + 3]
// r = R(12345); print([(h, r.randint(h)) for h in highs for _ in range(2)])
TEST(NumpyRandomStateTest, RandintHighMatchesNumpy) {
  const std::vector<std::pair<int64_t, int64_t>> cases = {
      {1, 0},
      {1, 0},
      {2, 0},
      {2, 1},
      {3, 1},
      {3, 1},
      {6, 4},
      {6, 1},
      {10, 5},
      {10, 2},
      {100, 29},
      {100, 1},
      {2147483649, 1983958385},
      {2147483649, 1605979227},
      {4294967296, 2807061239},
      {4294967296, 665605494},
      {4294967297, 3832587122},
      {4294967297, 3467278599},
      {1099511627776, 187376943335},
      {1099511627776, 102683755549},
      {4611686018427387907, 4126266345244116827},
      {4611686018427387907, 2628205901951363108},
  };
  NumpyRandomState rs(12345);
  for (const auto& [high, expected] : cases) EXPECT_EQ(rs.randint(high), expected) << high;
}

// pairs = [(-5, 5), (1, 9), (1, 6), (7, 8), (-2**40, 2**40), (-2**63, 2**63 - 1), (-3, -1)]
// r = R(777); print([(l, h, r.randint(l, h)) for l, h in pairs for _ in range(2)])
TEST(NumpyRandomStateTest, RandintLowHighMatchesNumpy) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const std::vector<std::array<int64_t, 3>> cases = {
      {-5, 5, 2},
      {-5, 5, 1},
      {1, 9, 8},
      {1, 9, 2},
      {1, 6, 5},
      {1, 6, 2},
      {7, 8, 7},
      {7, 8, 7},
      {-1099511627776, 1099511627776, 200816922106},
      {-1099511627776, 1099511627776, 106870695207},
      {kMin, kMax, -4257415046644950643},
      {kMin, kMax, 2656871503850844192},
      {-3, -1, -2},
      {-3, -1, -2},
  };
  NumpyRandomState rs(777);
  for (const auto& [low, high, expected] : cases) {
    EXPECT_EQ(rs.randint(low, high), expected) << low << " " << high;
  }
}

// MinAtar's Freeway calls randint(1, 6, 8) and rand(8).
// r = R(2024); print(r.randint(1, 6, 8).tolist(), [repr(x) for x in r.rand(8)],
//                    r.randint(2**32, dtype=np.uint32))
TEST(NumpyRandomStateTest, SizedDrawsMatchNumpy) {
  NumpyRandomState rs(2024);
  EXPECT_THAT(rs.randint(1, 6, 8), ElementsAre(1, 3, 1, 1, 4, 5, 2, 2));
  EXPECT_THAT(rs.rand(8), ElementsAre(0.037353588098586576, 0.795721074040238, 0.6695550640958972,
                                      0.7340129572771178, 0.0336332620613794, 0.13245683724133916,
                                      0.9167133838120739, 0.14259013505114293));
  EXPECT_EQ(rs.u32(), 4291591964u);
  EXPECT_TRUE(rs.rand(0).empty());
  EXPECT_TRUE(rs.randint(0, 3, 0).empty());
}

// r = R(3); r.randint(1); r.randint(5, 6); print(r.randint(2**32, dtype=np.uint32))
TEST(NumpyRandomStateTest, SingleValueRangeDrawsNothing) {
  NumpyRandomState rs(3);
  EXPECT_EQ(rs.randint(1), 0);
  EXPECT_EQ(rs.randint(5, 6), 5);
  EXPECT_THAT(rs.randint(-2, -1, 4), ElementsAre(-2, -2, -2, -2));
  EXPECT_EQ(rs.u32(), 2365658986u);
}

TEST(NumpyRandomStateTest, EmptyRangeThrows) {
  NumpyRandomState rs(0);
  EXPECT_THROW(rs.randint(0), Error);
  EXPECT_THROW(rs.randint(-4), Error);
  EXPECT_THROW(rs.randint(3, 3), Error);
  EXPECT_THROW(rs.randint(3, 2), Error);
  EXPECT_THROW(rs.randint(3, 2, 5), Error);
  EXPECT_THROW(rs.randint(3, 3, 0), Error);  // numpy checks the bounds even for size 0
  // Nothing was drawn by the failed calls.
  EXPECT_EQ(rs.u32(), 2357136044u);
}

// 20,000 mixed draws, the operation chosen by a fixed rule:
//   r = R(20240601)
//   highs = [1, 2, 3, 5, 6, 7, 8, 9, 10, 16, 17, 100, 1000, 2**31 + 1, 2**32, 2**33 + 5]
//   pairs = [(1, 9), (1, 6), (-5, 5), (0, 2), (-100, 100), (10, 11)]
//   int_sum, float_sum, ints, floats = 0, 0.0, [], []
//   for i in range(20000):
//       op = ((i * 2654435761) >> 7) % 4
//       if op == 0:
//           x = r.rand(); float_sum += x; floats.append(x)
//       else:
//           if op == 1:
//               x = r.randint(highs[(i // 4) % len(highs)])
//           elif op == 2:
//               lo, hi = pairs[(i * 7) % len(pairs)]; x = r.randint(lo, hi)
//           else:
//               x = r.randint(0, 2**32)
//           int_sum += int(x); ints.append(int(x))
//   print(len(ints), len(floats), int_sum, repr(float_sum))
//   print(ints[-5:], [repr(f) for f in floats[-5:]])
//   print(r.randint(2**32, dtype=np.uint32), r.get_state()[2])
TEST(NumpyRandomStateTest, MixedSequenceChecksumMatchesNumpy) {
  const std::vector<int64_t> highs = {1,  2,  3,  5,   6,    7,          8,          9,
                                      10, 16, 17, 100, 1000, 2147483649, 4294967296, 8589934597};
  const std::vector<std::pair<int64_t, int64_t>> pairs = {{1, 9}, {1, 6},      {-5, 5},
                                                          {0, 2}, {-100, 100}, {10, 11}};
  NumpyRandomState r(20240601);
  int64_t int_sum = 0;
  double float_sum = 0.0;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  for (uint64_t i = 0; i < 20000; ++i) {
    const uint64_t op = ((i * 2654435761u) >> 7) % 4;
    if (op == 0) {
      const double x = r.rand();
      float_sum += x;
      floats.push_back(x);
      continue;
    }
    int64_t x = 0;
    if (op == 1) {
      x = r.randint(highs[(i / 4) % highs.size()]);
    } else if (op == 2) {
      const auto [lo, hi] = pairs[(i * 7) % pairs.size()];
      x = r.randint(lo, hi);
    } else {
      x = r.randint(0, int64_t{1} << 32);
    }
    int_sum += x;
    ints.push_back(x);
  }
  EXPECT_EQ(ints.size(), 15000u);
  EXPECT_EQ(floats.size(), 5000u);
  EXPECT_EQ(int_sum, 13114683046325);
  EXPECT_EQ(float_sum, 2516.702194823124);
  EXPECT_THAT(std::vector<int64_t>(ints.end() - 5, ints.end()),
              ElementsAre(148917115, 2032381779, 91, 10, 7));
  EXPECT_THAT(std::vector<double>(floats.end() - 5, floats.end()),
              ElementsAre(0.8952110207438423, 0.9119928776835696, 0.8670207942070716,
                          0.945870303097123, 0.5490243583801706));
  EXPECT_EQ(r.u32(), 2111241287u);
}

std::vector<std::string> split_tokens(const std::string& text) {
  std::vector<std::string> tokens;
  std::string current;
  for (char c : text) {
    if (c == ' ' || c == '\n') {
      if (!current.empty()) tokens.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) tokens.push_back(current);
  return tokens;
}

// r = R(99); r.randint(2**32, dtype=np.uint32, size=700); s = r.get_state()
// print(s[1][0], s[1][1], s[1][623], s[2]); print(r.randint(2**32, dtype=np.uint32))
TEST(NumpyRandomStateTest, SavedStateHoldsNumpysKeyAndPosition) {
  NumpyRandomState rs(99);
  for (int i = 0; i < 700; ++i) rs.u32();
  const std::vector<std::string> tokens = split_tokens(rs.save_state());
  ASSERT_EQ(tokens.size(), 3u + 624u);
  EXPECT_EQ(tokens[0], "numpy-mt19937");
  EXPECT_EQ(tokens[1], "v1");
  EXPECT_EQ(tokens[2], "76");
  EXPECT_EQ(tokens[3], "1987678688");
  EXPECT_EQ(tokens[4], "3533827867");
  EXPECT_EQ(tokens[3 + 623], "1537788278");
  EXPECT_EQ(rs.u32(), 4116622694u);
}

TEST(NumpyRandomStateTest, SaveLoadRoundTripContinuesTheStream) {
  for (int warmup : {0, 1, 623, 624, 625, 1500}) {
    NumpyRandomState a(7);
    for (int i = 0; i < warmup; ++i) a.u32();
    const std::string saved = a.save_state();
    NumpyRandomState b(12345);
    b.load_state(saved);
    EXPECT_EQ(a, b);
    EXPECT_EQ(b.save_state(), saved);
    for (int i = 0; i < 2000; ++i) {
      ASSERT_EQ(a.u32(), b.u32()) << "warmup " << warmup << " draw " << i;
      ASSERT_EQ(a.rand(), b.rand());
      ASSERT_EQ(a.randint(-7, 1000003), b.randint(-7, 1000003));
    }
  }
}

TEST(NumpyRandomStateTest, MalformedStateThrowsAndLeavesStateUnchanged) {
  NumpyRandomState source(5);
  const std::string good = source.save_state();
  std::vector<std::string> bad = {
      "",
      "numpy-mt19937",
      "numpy-mt19937 v2" + good.substr(std::string("numpy-mt19937 v1").size()),
      "pcg64" + good.substr(std::string("numpy-mt19937").size()),
      good.substr(0, good.rfind(' ')),  // one key word missing
      good + " 17",                     // one key word too many
  };
  {
    std::vector<std::string> tokens = split_tokens(good);
    auto join = [](const std::vector<std::string>& t) {
      std::string s;
      for (const auto& x : t) s += (s.empty() ? "" : " ") + x;
      return s;
    };
    for (const char* replacement : {"625", "-1", "x", "", "1e3"}) {
      auto t = tokens;
      t[2] = replacement;  // position
      bad.push_back(join(t));
    }
    for (const char* replacement : {"4294967296", "-1", "12a", "0x10", "+5"}) {
      auto t = tokens;
      t[100] = replacement;  // a key word
      bad.push_back(join(t));
    }
  }
  NumpyRandomState target(9);
  const std::string before = target.save_state();
  for (const std::string& text : bad) {
    EXPECT_THROW(target.load_state(text), Error) << text.substr(0, 60);
    EXPECT_EQ(target.save_state(), before);
  }
  target.load_state(good);
  EXPECT_EQ(target, source);
}

}  // namespace
}  // namespace valor
