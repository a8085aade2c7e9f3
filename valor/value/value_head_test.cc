#include "valor/value/value_head.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "valor/core/error.h"

namespace valor::value {
namespace {

HeadSpec spec_of(HeadKind kind, double v_min = 0.0, double v_max = 4.0, int bins = 5) {
  HeadSpec s;
  s.kind = kind;
  s.v_min = v_min;
  s.v_max = v_max;
  s.bins = bins;
  s.quantiles = 2;
  return s;
}

TEST(ValueHead, NamesRoundTripAndUnknownNamesAreListed) {
  for (const auto& name : head_names()) {
    EXPECT_EQ(head_name(parse_head_kind(name, "value.head")), name);
  }
  try {
    parse_head_kind("gauss", "value.head");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("value.head"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("hl_gauss"), std::string::npos);
  }
}

TEST(ValueHead, HuberTargetLossAndGradientByHand) {
  const ValueHead head(spec_of(HeadKind::kHuber));
  const std::vector<float> next = {2.0f, 0.5f}, ret = {0.5f, 1.0f}, disc = {0.9f, 0.0f};
  std::vector<float> y(2);
  head.targets(next, ret, disc, y);
  EXPECT_NEAR(y[0], 2.3f, 1e-6);  // 0.5 + 0.9 * 2
  EXPECT_EQ(y[1], 1.0f);          // terminal: the reward alone
  const std::vector<float> q = {1.0f, 3.0f};
  std::vector<float> grad(2);
  // u = Q - y = (-1.3, 2): both beyond kappa = 1, so H = |u| - 1/2.
  EXPECT_NEAR(head.loss(q, y, grad), (0.8 + 1.5) / 2, 1e-6);
  EXPECT_NEAR(grad[0], -0.5f, 1e-6);
  EXPECT_NEAR(grad[1], 0.5f, 1e-6);
}

TEST(ValueHead, MseLossAndGradientByHand) {
  const ValueHead head(spec_of(HeadKind::kMse));
  const std::vector<float> q = {1.0f, 3.0f}, y = {2.3f, 1.0f};
  std::vector<float> grad(2);
  EXPECT_NEAR(head.loss(q, y, grad), (1.69 / 2 + 4.0 / 2) / 2, 1e-6);
  EXPECT_NEAR(grad[0], -0.65f, 1e-6);
  EXPECT_NEAR(grad[1], 1.0f, 1e-6);
}

TEST(ValueHead, TwoHotTargetFromDecodedNextValue) {
  const ValueHead head(spec_of(HeadKind::kTwoHot));  // atoms 0, 1, 2, 3, 4
  ASSERT_EQ(head.outputs(), 5u);
  // Equal logits decode to the mean atom, 2; y = 0.5 + 0.5 * 2 = 1.5 is half-way 1 and 2.
  const std::vector<float> next(5, 0.0f), ret = {0.5f}, disc = {0.5f};
  std::vector<float> p(5);
  TargetRange range;
  head.targets(next, ret, disc, p, &range);
  const std::vector<float> expected = {0.0f, 0.5f, 0.5f, 0.0f, 0.0f};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(p[i], expected[i], 1e-6) << i;
  EXPECT_EQ(range.count, 1u);
  EXPECT_EQ(range.clipped, 0u);
  // Cross-entropy of uniform logits against any distribution is log 5; gradient softmax - p.
  std::vector<float> grad(5);
  EXPECT_NEAR(head.loss(next, p, grad), std::log(5.0), 1e-6);
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(grad[i], 0.2f - expected[i], 1e-6);
  // A target beyond the support is clipped and counted.
  const std::vector<float> big = {10.0f};
  head.targets(next, big, disc, p, &range);
  EXPECT_EQ(range.clipped, 1u);
  EXPECT_NEAR(p[4], 1.0f, 1e-6);
}

TEST(ValueHead, HlGaussTargetIsTheNormalMassPerBin) {
  HeadSpec s = spec_of(HeadKind::kHlGauss, 0.0, 4.0, 4);  // bins of width 1, sigma 0.75
  const ValueHead head(s);
  const std::vector<float> next(4, 0.0f), ret = {0.0f}, disc = {1.0f};  // y = mean center = 2
  std::vector<float> p(4);
  head.targets(next, ret, disc, p);
  const auto phi = [](double x) { return 0.5 * (1 + std::erf(x / std::sqrt(2.0))); };
  const double z = phi(2 / 0.75) - phi(-2 / 0.75);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(p[i], (phi((i + 1 - 2) / 0.75) - phi((i - 2) / 0.75)) / z, 1e-6) << i;
  }
  std::vector<float> q(1);
  head.q_values(next, q);
  EXPECT_NEAR(q[0], 2.0f, 1e-6);
}

TEST(ValueHead, C51ProjectsTheShiftedDistribution) {
  const ValueHead head(spec_of(HeadKind::kC51));  // atoms 0..4
  // Uniform next distribution, r = 0.5, g = 0.5: Tz = 0.5, 1, 1.5, 2, 2.5 each with mass 0.2.
  const std::vector<float> next(5, 0.0f), ret = {0.5f}, disc = {0.5f};
  std::vector<float> m(5);
  head.targets(next, ret, disc, m);
  const std::vector<float> expected = {0.1f, 0.4f, 0.4f, 0.1f, 0.0f};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(m[i], expected[i], 1e-6) << i;
}

TEST(ValueHead, QuantileTargetsLossAndGradientByHand) {
  const ValueHead head(spec_of(HeadKind::kQr));  // N = 2, tau = 0.25, 0.75
  const std::vector<float> next = {1.0f, 3.0f}, ret = {1.0f}, disc = {0.5f};
  std::vector<float> t(2);
  head.targets(next, ret, disc, t);
  EXPECT_NEAR(t[0], 1.5f, 1e-6);
  EXPECT_NEAR(t[1], 2.5f, 1e-6);
  const std::vector<float> theta = {2.0f, 2.0f};
  std::vector<float> grad(2);
  // u = +-0.5, H(0.5) = 0.125; each row sums 0.75 * 0.125 + 0.25 * 0.125; L = 0.25 / 2.
  EXPECT_NEAR(head.loss(theta, t, grad), 0.125, 1e-6);
  EXPECT_NEAR(grad[0], 0.125f, 1e-6);
  EXPECT_NEAR(grad[1], -0.125f, 1e-6);
  std::vector<float> q(1);
  head.q_values(next, q);
  EXPECT_NEAR(q[0], 2.0f, 1e-6);
}

TEST(ValueHead, OutputsPerAction) {
  EXPECT_EQ(ValueHead(spec_of(HeadKind::kHuber)).outputs(), 1u);
  EXPECT_EQ(ValueHead(spec_of(HeadKind::kMse)).target_size(), 1u);
  EXPECT_EQ(ValueHead(spec_of(HeadKind::kHlGauss, 0, 4, 7)).outputs(), 7u);
  EXPECT_EQ(ValueHead(spec_of(HeadKind::kQr)).outputs(), 2u);
  EXPECT_THROW(ValueHead(spec_of(HeadKind::kC51, 1.0, 1.0, 5)), Error);
}

// Passing the already decoded Q(s', a*) skips a decode and changes no bit of the targets; the
// range hears the same scalar targets.
TEST(ValueHead, TargetsFromTheCallersDecodedNextValueAreIdentical) {
  for (HeadKind kind : {HeadKind::kTwoHot, HeadKind::kHlGauss, HeadKind::kC51}) {
    const ValueHead head(spec_of(kind, -3.0, 7.0, 21));
    const size_t batch = 5, k = head.outputs();
    std::vector<float> next(batch * k), ret = {0.5f, -1.0f, 2.0f, 9.0f, 0.0f},
                                        disc = {0.9f, 0.0f, 0.99f, 1.0f, 0.5f};
    for (size_t i = 0; i < next.size(); ++i) next[i] = std::sin(0.37f * static_cast<float>(i));
    std::vector<float> q(batch), plain(batch * k), reused(batch * k);
    head.q_values(next, q);
    TargetRange range_plain, range_reused;
    head.targets(next, ret, disc, plain, &range_plain);
    head.targets(next, ret, disc, reused, &range_reused, q);
    EXPECT_EQ(plain, reused) << head_name(kind);
    EXPECT_EQ(range_plain.count, range_reused.count);
    EXPECT_EQ(range_plain.clipped, range_reused.clipped);
    EXPECT_NEAR(range_plain.lowest, range_reused.lowest, 1e-5);
    EXPECT_NEAR(range_plain.highest, range_reused.highest, 1e-5);
  }
}

// The categorical heads' initial logits decode to (1 - e) v0 + e mean(points) (v0 clipped to the
// points), on every support shape, and keep every logit within log(1 + m (1 - e) / e) of the top.
TEST(ValueHead, InitialLogitsDecodeToTheInitialValue) {
  struct Case {
    double v_min, v_max;
    int bins;
    double initial;
  };
  const Case cases[] = {{0, 60, 121, 30}, {0, 60, 121, 7.3},  {-10, 10, 51, 0},
                        {0, 60, 121, 0},  {0, 60, 121, 60},   {0, 1, 11, 0.25},
                        {-1, 1, 2, 0},    {0, 200, 51, 12.5}, {-3, 5, 9, 5}};
  const double e = kInitialUniformMass;
  for (HeadKind kind : {HeadKind::kTwoHot, HeadKind::kHlGauss, HeadKind::kC51}) {
    for (const Case& c : cases) {
      HeadSpec spec = spec_of(kind, c.v_min, c.v_max, c.bins);
      spec.initial_value = c.initial;
      const ValueHead head(spec);
      const std::vector<float> logits = head.initial_logits();
      ASSERT_EQ(logits.size(), head.outputs());
      // The points, and the expected start, computed here.
      const bool bins = kind == HeadKind::kHlGauss;
      const double width = (c.v_max - c.v_min) / (bins ? c.bins : c.bins - 1);
      const double first = bins ? c.v_min + width / 2 : c.v_min;
      const double last = bins ? c.v_max - width / 2 : c.v_max;
      const double v0 = std::min(std::max(c.initial, first), last);
      const double expected = (1 - e) * v0 + e * (first + last) / 2;
      float q = 0;
      head.q_values(logits, std::span<float>(&q, 1));
      const std::string where = std::string(head_name(kind)) + " on [" + std::to_string(c.v_min) +
                                ", " + std::to_string(c.v_max) + "] from " +
                                std::to_string(c.initial);
      EXPECT_NEAR(q, expected, 1e-5 * (c.v_max - c.v_min)) << where;
      EXPECT_NEAR(q, c.initial, width + e * (c.v_max - c.v_min) / 2) << where;
      const auto [lo, hi] = std::minmax_element(logits.begin(), logits.end());
      EXPECT_LE(*hi - *lo, std::log(1 + c.bins * (1 - e) / e) + 1e-5) << where;
      // Logits all 0, the old start, decode to the middle instead.
      std::vector<float> zeros(head.outputs(), 0.0f);
      float middle = 0;
      head.q_values(zeros, std::span<float>(&middle, 1));
      EXPECT_NEAR(middle, (c.v_min + c.v_max) / 2, 1e-4 * (c.v_max - c.v_min));
    }
  }
}

TEST(ValueHead, InitialValueOutsideTheSupportIsAnError) {
  for (HeadKind kind : {HeadKind::kTwoHot, HeadKind::kHlGauss, HeadKind::kC51}) {
    HeadSpec spec = spec_of(kind, 1.0, 5.0);
    spec.initial_value = 0.0;
    try {
      const ValueHead head(spec);
      FAIL() << head_name(kind) << ": no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("initial value 0"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("[1, 5]"), std::string::npos) << e.what();
    }
  }
  // The regression heads have no support: any initial value is accepted (and unused).
  HeadSpec huber = spec_of(HeadKind::kHuber, 1.0, 5.0);
  huber.initial_value = 0.0;
  EXPECT_NO_THROW(ValueHead{huber});
}

}  // namespace
}  // namespace valor::value
