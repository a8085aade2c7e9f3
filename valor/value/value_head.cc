#include "valor/value/value_head.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/value/categorical_projection.h"
#include "valor/value/hl_gauss.h"
#include "valor/value/logits.h"
#include "valor/value/quantile.h"
#include "valor/value/scalar_loss.h"
#include "valor/value/two_hot.h"

namespace valor::value {

const std::vector<std::string>& head_names() {
  static const std::vector<std::string> names = {"huber",    "mse", "two_hot",
                                                 "hl_gauss", "c51", "qr"};
  return names;
}

std::string_view head_name(HeadKind kind) { return head_names()[static_cast<size_t>(kind)]; }

HeadKind parse_head_kind(std::string_view name, std::string_view where) {
  const auto& names = head_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<HeadKind>(i);
  }
  fail("{}: unknown value head '{}'; accepted: {}", where, name, fmt::join(names, ", "));
}

void TargetRange::add(float y, double v_min, double v_max) {
  lowest = count == 0 ? y : std::min(lowest, y);
  highest = count == 0 ? y : std::max(highest, y);
  ++count;
  if (y < v_min || y > v_max) ++clipped;
}

ValueHead::ValueHead(const HeadSpec& spec) : spec_(spec) {
  switch (spec.kind) {
    case HeadKind::kHuber:
    case HeadKind::kMse:
      outputs_ = 1;
      break;
    case HeadKind::kTwoHot:
    case HeadKind::kC51: {
      atoms_.emplace(spec.v_min, spec.v_max, spec.bins);
      values_.assign(atoms_->atoms().begin(), atoms_->atoms().end());
      outputs_ = atoms_->size();
      break;
    }
    case HeadKind::kHlGauss: {
      bins_.emplace(spec.v_min, spec.v_max, spec.bins);
      values_.assign(bins_->centers().begin(), bins_->centers().end());
      outputs_ = bins_->size();
      check_hl_gauss_sigma_ratio(spec.sigma_ratio, "the hl_gauss value head");
      break;
    }
    case HeadKind::kQr:
      if (spec.quantiles < 1) fail("the number of quantiles must be >= 1, got {}", spec.quantiles);
      outputs_ = static_cast<size_t>(spec.quantiles);
      break;
  }
  if (categorical() && !(spec.initial_value >= spec.v_min && spec.initial_value <= spec.v_max)) {
    fail("the initial value {} of the {} value head must lie in its support [{}, {}]",
         spec.initial_value, head_name(spec.kind), spec.v_min, spec.v_max);
  }
}

std::vector<float> ValueHead::initial_logits() const {
  VALOR_CHECK(categorical());
  const double e = kInitialUniformMass;
  const size_t m = outputs_;
  std::vector<double> p(m, e / static_cast<double>(m));
  const double v0 =
      std::clamp(spec_.initial_value, double{values_.front()}, double{values_.back()});
  size_t k = 0;
  while (k + 2 < m && values_[k + 1] <= v0) ++k;
  const double upper = (v0 - values_[k]) / (double{values_[k + 1]} - values_[k]);
  p[k] += (1 - e) * (1 - upper);
  p[k + 1] += (1 - e) * upper;
  std::vector<float> logits(m);
  for (size_t i = 0; i < m; ++i) logits[i] = static_cast<float>(std::log(p[i]));
  return logits;
}

size_t ValueHead::target_size() const {
  return spec_.kind == HeadKind::kHuber || spec_.kind == HeadKind::kMse ? 1 : outputs_;
}

bool ValueHead::categorical() const {
  return spec_.kind == HeadKind::kTwoHot || spec_.kind == HeadKind::kHlGauss ||
         spec_.kind == HeadKind::kC51;
}

void ValueHead::q_values(std::span<const float> outputs, std::span<float> q) const {
  VALOR_CHECK(outputs.size() == q.size() * outputs_);
  switch (spec_.kind) {
    case HeadKind::kHuber:
    case HeadKind::kMse:
      std::copy(outputs.begin(), outputs.end(), q.begin());
      break;
    case HeadKind::kTwoHot:
    case HeadKind::kHlGauss:
    case HeadKind::kC51:
      decode_logits(outputs, values_, q);
      break;
    case HeadKind::kQr:
      quantile_mean(outputs, outputs_, q);
      break;
  }
}

void ValueHead::targets(std::span<const float> next_outputs, std::span<const float> returns,
                        std::span<const float> discounts, std::span<float> out, TargetRange* range,
                        std::span<const float> next_q) const {
  const size_t batch = returns.size();
  VALOR_CHECK(discounts.size() == batch && next_outputs.size() == batch * outputs_);
  VALOR_CHECK(out.size() == batch * target_size());
  VALOR_CHECK(next_q.empty() || next_q.size() == batch);
  switch (spec_.kind) {
    case HeadKind::kHuber:
    case HeadKind::kMse:
      for (size_t b = 0; b < batch; ++b) out[b] = returns[b] + discounts[b] * next_outputs[b];
      return;
    case HeadKind::kTwoHot:
    case HeadKind::kHlGauss: {
      scalar_.resize(batch);
      if (next_q.empty()) {
        decode_logits(next_outputs, values_, scalar_);
      } else {
        std::copy(next_q.begin(), next_q.end(), scalar_.begin());
      }
      for (size_t b = 0; b < batch; ++b) {
        scalar_[b] = returns[b] + discounts[b] * scalar_[b];
        if (range) range->add(scalar_[b], spec_.v_min, spec_.v_max);
      }
      if (atoms_) {
        two_hot_target(*atoms_, scalar_, out);
      } else {
        hl_gauss_target(*bins_, scalar_, out, spec_.sigma_ratio);
      }
      return;
    }
    case HeadKind::kC51: {
      probs_.resize(next_outputs.size());
      softmax(next_outputs, outputs_, probs_);
      if (range) {
        scalar_.resize(batch);
        if (next_q.empty()) {
          distribution_mean(probs_, values_, scalar_);
        } else {
          std::copy(next_q.begin(), next_q.end(), scalar_.begin());
        }
        for (size_t b = 0; b < batch; ++b) {
          const float y = returns[b] + discounts[b] * scalar_[b];
          range->add(y, spec_.v_min, spec_.v_max);
        }
      }
      project_categorical(*atoms_, probs_, returns, discounts, out);
      return;
    }
    case HeadKind::kQr:
      quantile_bellman_target(next_outputs, returns, discounts, out);
      return;
  }
}

double ValueHead::loss(std::span<const float> outputs, std::span<const float> targets,
                       std::span<float> grad) const {
  const size_t batch = outputs.size() / outputs_;
  VALOR_CHECK(outputs.size() == batch * outputs_ && grad.size() == outputs.size());
  VALOR_CHECK(targets.size() == batch * target_size());
  switch (spec_.kind) {
    case HeadKind::kHuber:
      return huber_loss(outputs, targets, grad);
    case HeadKind::kMse:
      return mse_loss(outputs, targets, grad);
    case HeadKind::kTwoHot:
    case HeadKind::kHlGauss:
    case HeadKind::kC51:
      return cross_entropy_loss(outputs, targets, outputs_, grad);
    case HeadKind::kQr:
      return quantile_huber_loss(outputs, targets, batch, grad);
  }
  return 0.0;
}

}  // namespace valor::value
