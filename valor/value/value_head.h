// The value head of a Q-network: how K outputs per action become a Q-value, the bootstrapped
// target of each head and its loss (algorithms.md sections 2 and 3). Plain C++ over float arrays,
// built on the `value` library; the network (q_network.h) only supplies the numbers and takes
// back dL/d(outputs).
//
//   huber, mse   K = 1: the output is Q; target y = R + g Q_tgt(s', a*); Huber (kappa 1) or
//                (y - Q)^2 / 2.
//   two_hot      K = m logits over atoms on [v_min, v_max]; Q = the decoded mean; target
//                two_hot(y) with y = R + g Q_tgt(s', a*); cross-entropy ("Stop Regressing").
//   hl_gauss     K = m logits over bins on [v_min, v_max]; target hl_gauss(y), sigma =
//                sigma_ratio * bin width; cross-entropy.
//   c51          K = m logits over atoms; target the C51 projection of R + g Z_tgt(s', a*);
//                cross-entropy ("A Distributional Perspective on Reinforcement Learning").
//   qr           K = N quantiles at tau_i = (2i+1)/(2N); Q = their mean; target R + g theta_tgt;
//                quantile-Huber loss (QR-DQN).
// R is the n-step return and g = gamma^k (1 - terminated) the bootstrap discount of a transition.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "valor/value/support.h"

namespace valor::value {

enum class HeadKind { kHuber, kMse, kTwoHot, kHlGauss, kC51, kQr };

// "huber", "mse", "two_hot", "hl_gauss", "c51", "qr".
const std::vector<std::string>& head_names();
std::string_view head_name(HeadKind kind);
// valor::Error listing the accepted names for anything else; `where` names the key or flag.
HeadKind parse_head_kind(std::string_view name, std::string_view where);

struct HeadSpec {
  HeadKind kind = HeadKind::kHuber;
  double v_min = -10.0;  // two_hot, hl_gauss, c51
  double v_max = 10.0;
  int bins = 51;              // atoms (two_hot, c51) or bins (hl_gauss)
  double sigma_ratio = 0.75;  // hl_gauss
  int quantiles = 51;         // qr
  // two_hot, hl_gauss, c51: the value a fresh network decodes to (initial_logits()); in
  // [v_min, v_max].
  double initial_value = 0.0;
};

// Where bootstrapped scalar targets fell relative to the support (two_hot, hl_gauss, c51):
// targets outside [v_min, v_max] are clipped, which biases the learned values.
struct TargetRange {
  size_t count = 0;                     // scalar targets seen
  size_t clipped = 0;                   // of which outside [v_min, v_max]
  float lowest = 0.0f, highest = 0.0f;  // extremes seen (valid when count > 0)
  void add(float y, double v_min, double v_max);
};

// The uniform share of a categorical head's initial distribution (initial_logits()).
inline constexpr double kInitialUniformMass = 0.01;

class ValueHead {
 public:
  // valor::Error for a support that cannot be built, a non-positive count, or (categorical
  // heads) an initial_value outside [v_min, v_max].
  explicit ValueHead(const HeadSpec& spec);

  const HeadSpec& spec() const { return spec_; }
  HeadKind kind() const { return spec_.kind; }
  // Network outputs per action (K).
  size_t outputs() const { return outputs_; }
  // Values per target row: 1 for huber/mse, K otherwise.
  size_t target_size() const;
  bool categorical() const;

  // The categorical heads' starting point: log p with p = (1 - e) two_hot(v0) + e / m over the m
  // atoms or bin centres, v0 = spec().initial_value (clipped to the points: bin centres stop half
  // a bin inside v_min and v_max) and e = kInitialUniformMass. Used as the output layer's bias
  // (the weights start small), they decode to (1 - e) v0 + e mean(points) whatever the support:
  // within 1% of the way from v0 to the middle. Every logit lies within log(1 + m (1 - e) / e) of
  // the largest (9.4 for 121 atoms), so mass can still move anywhere: a Gaussian around v0, or
  // any start that decodes to v0 exactly at an edge of the support, would put far atoms
  // thousands of logits down, beyond the reach of gradient steps. Categorical heads only.
  std::vector<float> initial_logits() const;

  // Q-values [rows] from outputs [rows, K] (rows = batch * actions).
  void q_values(std::span<const float> outputs, std::span<float> q) const;

  // Bootstrapped targets [B, target_size()] from the target network's outputs at the chosen next
  // action [B, K], the n-step returns [B] and the bootstrap discounts [B] (in [0, 1]).
  // `range` (optional) hears every scalar target of the categorical heads. `next_q` (optional,
  // [B]) is q_values() of next_outputs when the caller already has it (the target network chose
  // the action): the categorical heads then do not decode those rows a second time (same bits).
  void targets(std::span<const float> next_outputs, std::span<const float> returns,
               std::span<const float> discounts, std::span<float> out, TargetRange* range = nullptr,
               std::span<const float> next_q = {}) const;

  // The batch-mean loss of the online outputs for the taken actions [B, K] against `targets`;
  // `grad` ([B, K]) receives dL/d(outputs).
  double loss(std::span<const float> outputs, std::span<const float> targets,
              std::span<float> grad) const;

 private:
  HeadSpec spec_;
  size_t outputs_ = 1;
  std::optional<AtomSupport> atoms_;   // two_hot, c51
  std::optional<BinSupport> bins_;     // hl_gauss
  std::vector<float> values_;          // atoms or bin centers (categorical heads)
  mutable std::vector<float> scalar_;  // scalar targets of a batch (categorical heads)
  mutable std::vector<float> probs_;   // softmax of next outputs (c51)
};

}  // namespace valor::value
