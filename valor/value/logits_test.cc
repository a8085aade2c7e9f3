#include "valor/value/logits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "valor/core/error.h"
#include "valor/value/support.h"
#include "valor/value/two_hot.h"

namespace valor::value {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;

TEST(LogitsTest, HandComputedSoftmaxAndDecode) {
  // Logits (0, ln 3): exp = (1, 3) -> softmax (0.25, 0.75); over values (0, 1) Q = 0.75.
  // Shifting the logits by 1000 changes nothing (and must not overflow).
  const double ln3 = std::log(3.0);
  std::vector<double> p(4);
  softmax(std::vector<double>{0, ln3, 1000, 1000 + ln3}, 2, p);
  EXPECT_THAT(p, ElementsAre(DoubleNear(0.25, 1e-15), DoubleNear(0.75, 1e-15),
                             DoubleNear(0.25, 1e-13), DoubleNear(0.75, 1e-13)));
  std::vector<float> q(2);
  const std::vector<float> values = {0, 1};
  decode_logits(
      std::vector<float>{0, static_cast<float>(ln3), -1000, -1000 + static_cast<float>(ln3)},
      values, q);
  EXPECT_THAT(q, ElementsAre(FloatNear(0.75f, 1e-6f), FloatNear(0.75f, 1e-4f)));
  std::vector<float> mean(1);
  distribution_mean(std::vector<float>{0.25f, 0.75f}, values, mean);
  EXPECT_EQ(mean[0], 0.75f);
}

TEST(LogitsTest, DecodeOnAC51Support) {
  // Equal logits decode to the mean atom, 0 on the symmetric C51 support.
  const AtomSupport support(-10.0, 10.0, 51);
  std::vector<float> q(1);
  decode_logits(std::vector<float>(51, 0.3f), support.atoms(), q);
  EXPECT_NEAR(q[0], 0.0f, 1e-5f);
}

TEST(LogitsTest, HandComputedCrossEntropy) {
  // Logits (0, ln 3), p = (0.5, 0.5): L = -(0.5 ln 0.25 + 0.5 ln 0.75) = 0.8369882;
  // grad = softmax - p = (-0.25, 0.25). Doubled batch: same mean loss, gradient halved.
  const double ln3 = std::log(3.0);
  std::vector<double> grad(2);
  EXPECT_NEAR(
      cross_entropy_loss(std::vector<double>{0, ln3}, std::vector<double>{0.5, 0.5}, 2, grad),
      0.8369882167858357, 1e-15);
  EXPECT_THAT(grad, ElementsAre(DoubleNear(-0.25, 1e-15), DoubleNear(0.25, 1e-15)));
  std::vector<float> grad_f(4);
  const float l = static_cast<float>(ln3);
  EXPECT_NEAR(cross_entropy_loss(std::vector<float>{0, l, 0, l},
                                 std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f}, 2, grad_f),
              0.8369882, 1e-6);
  EXPECT_THAT(grad_f, ElementsAre(FloatNear(-0.125f, 1e-7f), FloatNear(0.125f, 1e-7f),
                                  FloatNear(-0.125f, 1e-7f), FloatNear(0.125f, 1e-7f)));
}

TEST(LogitsTest, CrossEntropyIsMinimalAtTheTarget) {
  // At logits = log p the gradient vanishes and the loss is the entropy of p.
  const std::vector<double> p = {0.1, 0.2, 0.3, 0.4};
  std::vector<double> logits(4);
  double entropy = 0.0;
  for (std::size_t i = 0; i < 4; ++i) {
    logits[i] = std::log(p[i]) + 7.0;
    entropy -= p[i] * std::log(p[i]);
  }
  std::vector<double> grad(4);
  EXPECT_NEAR(cross_entropy_loss(logits, p, 4, grad), entropy, 1e-14);
  for (double g : grad) EXPECT_NEAR(g, 0.0, 1e-15);
}

TEST(LogitsTest, CrossEntropyAgainstATwoHotTarget) {
  // Stop Regressing: regress y = 0.25 on atoms {0, 1} as cross-entropy against (0.75, 0.25).
  const AtomSupport support(0.0, 1.0, 2);
  std::vector<float> p(2);
  two_hot_target(support, std::vector<float>{0.25f}, p);
  std::vector<float> grad(2);
  const double loss = cross_entropy_loss(std::vector<float>{0, 0}, p, 2, grad);
  EXPECT_NEAR(loss, std::log(2.0), 1e-7);  // -(0.75 + 0.25) ln 0.5
  EXPECT_THAT(grad, ElementsAre(FloatNear(-0.25f, 1e-7f), FloatNear(0.25f, 1e-7f)));
}

TEST(LogitsTest, NonFiniteInputsThrow) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> out(4);
  try {
    softmax(std::vector<float>{0, 1, inf, 0}, 2, out);
    ADD_FAILURE() << "no valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("softmax: logit at batch index 1, entry 0 is inf"));
  }
  std::vector<float> q(2);
  EXPECT_THROW(decode_logits(std::vector<float>{nan, 0, 0, 0}, std::vector<float>{0, 1}, q), Error);
  try {
    cross_entropy_loss(std::vector<float>{0, 0, 0, 0}, std::vector<float>{0.5f, 0.5f, nan, 1}, 2);
    ADD_FAILURE() << "no valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("target probability at batch index 1, entry 0 is nan"));
  }
}

// Random shapes, logits and target rows (some summing to 1, some not): softmax rows are
// distributions and the cross-entropy gradient matches central differences in double.
TEST(LogitsTest, PropertySoftmaxAndCrossEntropyGradient) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> atoms(2, 201);
  std::uniform_int_distribution<int> rows(1, 4);
  std::vector<double> logits, p, grad, probe, soft;
  for (int trial = 0; trial < 1000; ++trial) {
    const std::size_t m = trial % 4 == 0 ? atoms(rng) : 2 + rng() % 12;
    const std::size_t batch = rows(rng);
    const double scale = std::pow(10.0, -1.0 + 3.0 * unit(rng));  // logits up to +-100
    logits.resize(batch * m);
    p.resize(batch * m);
    for (double& l : logits) l = scale * (2.0 * unit(rng) - 1.0);
    const bool normalised = trial % 3 != 0;
    for (std::size_t b = 0; b < batch; ++b) {
      double total = 0.0;
      for (std::size_t i = 0; i < m; ++i) total += p[b * m + i] = unit(rng) < 0.5 ? 0.0 : unit(rng);
      if (normalised && total > 0.0) {
        for (std::size_t i = 0; i < m; ++i) p[b * m + i] /= total;
      }
    }
    soft.resize(logits.size());
    softmax(logits, m, soft);
    for (std::size_t b = 0; b < batch; ++b) {
      double sum = 0.0;
      for (std::size_t i = 0; i < m; ++i) {
        ASSERT_GE(soft[b * m + i], 0.0);
        sum += soft[b * m + i];
      }
      ASSERT_NEAR(sum, 1.0, 1e-12);
    }
    grad.resize(logits.size());
    const double loss = cross_entropy_loss(logits, p, m, grad);
    ASSERT_TRUE(std::isfinite(loss));
    const double eps = 1e-6;
    for (std::size_t k = 0; k < logits.size(); k += 1 + m / 16) {
      probe = logits;
      probe[k] = logits[k] + eps;
      const double up = cross_entropy_loss(probe, p, m);
      probe[k] = logits[k] - eps;
      const double down = cross_entropy_loss(probe, p, m);
      // Smooth loss: O(eps^2) truncation plus ~1e-16 |L| / eps rounding.
      ASSERT_NEAR(grad[k], (up - down) / (2.0 * eps), 1e-8 * std::max(1.0, loss))
          << "trial " << trial << " k " << k;
    }
  }
}

// The float kernels (libmvec's expf, sums in double by lanes) against the textbook formulas in
// long double, on rows of m = 2 to 1000 (not multiples of the vector width; longer than one pass
// of 256), logits up to +-100 and rows with one dominant logit. Each exp is within 4 ulp and the
// float difference l - max l is rounded once (relative 6e-8 of |l - max l|), so probabilities are
// within 1e-6 relative + 1e-9, decoded values within 1e-6 of the largest |v| (10), the loss
// within 1e-6 relative + 1e-6 and the gradient (softmax sum p - p)/B within 1e-6 of
// (softmax sum p + p)/B (it is a difference of the two) + 1e-9.
TEST(LogitsTest, PropertyFloatKernelsMatchTheTextbookFormulas) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const std::size_t sizes[] = {2, 3, 4, 5, 7, 51, 121, 257, 1000};
  std::vector<float> logits, p, soft, grad, values, q;
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t m = sizes[trial % 9];
    const std::size_t batch = 1 + trial % 5;
    const double scale = std::pow(10.0, -1.0 + 3.0 * unit(rng));
    logits.resize(batch * m);
    p.resize(batch * m);
    values.resize(m);
    for (float& l : logits) l = static_cast<float>(scale * (2.0 * unit(rng) - 1.0));
    if (trial % 7 == 0) logits[0] = 1000.0f;  // one logit takes all the mass
    for (std::size_t i = 0; i < m; ++i) values[i] = static_cast<float>(-10.0 + 20.0 * unit(rng));
    for (std::size_t b = 0; b < batch; ++b) {
      double total = 0.0;
      for (std::size_t i = 0; i < m; ++i) total += p[b * m + i] = static_cast<float>(unit(rng));
      for (std::size_t i = 0; i < m; ++i) p[b * m + i] = static_cast<float>(p[b * m + i] / total);
    }
    soft.resize(batch * m);
    grad.resize(batch * m);
    q.resize(batch);
    softmax(logits, m, soft);
    decode_logits(logits, values, q);
    const double loss = cross_entropy_loss(logits, p, m, grad);
    long double expected_loss = 0.0L;
    for (std::size_t b = 0; b < batch; ++b) {
      const float* l = logits.data() + b * m;
      const long double top = *std::max_element(l, l + m);
      long double sum = 0.0L, weighted = 0.0L, mass = 0.0L;
      for (std::size_t i = 0; i < m; ++i) {
        sum += std::exp(l[i] - top);
        weighted += std::exp(l[i] - top) * values[i];
        mass += p[b * m + i];
      }
      const long double lse = top + std::log(sum);
      for (std::size_t i = 0; i < m; ++i) {
        const long double prob = std::exp(l[i] - top) / sum;
        const long double g = (prob * mass - p[b * m + i]) / batch;
        expected_loss -= p[b * m + i] * (l[i] - lse) / batch;
        ASSERT_NEAR(soft[b * m + i], prob, 1e-6 * prob + 1e-9) << "trial " << trial << " i " << i;
        ASSERT_NEAR(grad[b * m + i], g, 1e-6 * (prob * mass + p[b * m + i]) / batch + 1e-9)
            << "trial " << trial << " i " << i;
      }
      ASSERT_NEAR(q[b], weighted / sum, 1e-5) << "trial " << trial;
    }
    ASSERT_NEAR(loss, expected_loss, 1e-6 * std::fabs(expected_loss) + 1e-6) << "trial " << trial;
  }
}

}  // namespace
}  // namespace valor::value
