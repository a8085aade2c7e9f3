#include "valor/align/exact.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "valor/core/error.h"

namespace valor::align {

bool enumerable(const SequenceShape& shape) {
  const uint64_t n = shape.num_sequences();
  return n != 0 && n <= kMaxEnumeratedSequences / static_cast<uint64_t>(shape.prompts);
}

void check_enumerable(const SequenceShape& shape) {
  if (!enumerable(shape)) {
    fail(
        "{} prompts with vocab {} and length {} have more responses than the {} that exact "
        "enumeration holds in memory; use the sampling mode (exact = false) or a smaller task",
        shape.prompts, shape.vocab, shape.length, kMaxEnumeratedSequences);
  }
}

uint64_t sequence_index(const SequenceShape& shape, const uint8_t* tokens) {
  uint64_t index = 0;
  for (int t = 0; t < shape.length; ++t) {
    index = index * static_cast<uint64_t>(shape.vocab) + tokens[t];
  }
  return index;
}

void sequence_tokens(const SequenceShape& shape, uint64_t index, uint8_t* tokens) {
  for (int t = shape.length - 1; t >= 0; --t) {
    tokens[t] = static_cast<uint8_t>(index % static_cast<uint64_t>(shape.vocab));
    index /= static_cast<uint64_t>(shape.vocab);
  }
}

ExactDistribution::ExactDistribution(const SequenceShape& shape) : shape_(shape) {
  check_shape(shape);
  check_enumerable(shape);
  sequences_ = shape.num_sequences();
  prefixes_ = shape.num_prefixes();
  nodes_ = all_prefix_nodes(shape);
  log_probs_.resize(sequences_ * static_cast<uint64_t>(shape.prompts));
}

std::span<const double> ExactDistribution::log_probs(int prompt) const {
  return std::span<const double>(log_probs_)
      .subspan(static_cast<size_t>(prompt) * sequences_, sequences_);
}

void ExactDistribution::evaluate(Policy& policy) {
  const auto v = static_cast<size_t>(shape_.vocab);
  const size_t n = nodes_.prompts.size();
  softmax_.resize(n * v);
  policy.logits(nodes_.batch(), softmax_.data());
  std::vector<double> log_softmax(v);
  for (int x = 0; x < shape_.prompts; ++x) {
    level_.assign(1, 0.0);
    uint64_t offset = static_cast<uint64_t>(x) * prefixes_;
    for (int t = 0; t < shape_.length; ++t) {
      next_.resize(level_.size() * v);
      for (size_t j = 0; j < level_.size(); ++j) {
        float* row = softmax_.data() + (offset + j) * v;
        const float top = *std::max_element(row, row + v);
        double z = 0.0;
        for (size_t k = 0; k < v; ++k) z += std::exp(static_cast<double>(row[k] - top));
        const double log_z = std::log(z);
        for (size_t k = 0; k < v; ++k) {
          const double ls = static_cast<double>(row[k] - top) - log_z;
          next_[j * v + k] = level_[j] + ls;
          row[k] = static_cast<float>(std::exp(ls));
        }
      }
      offset += level_.size();
      level_.swap(next_);
    }
    std::copy(
        level_.begin(), level_.end(),
        log_probs_.begin() + static_cast<std::ptrdiff_t>(static_cast<uint64_t>(x) * sequences_));
  }
}

void ExactDistribution::backward(Policy& policy, std::span<const double> coef,
                                 std::vector<float>& gradient) {
  const auto v = static_cast<size_t>(shape_.vocab);
  VALOR_CHECK(coef.size() == log_probs_.size(), "{} coefficients for {} responses", coef.size(),
              log_probs_.size());
  gradient.resize(policy.parameters().size(), 0.0f);
  dlogits_.resize(softmax_.size());
  for (int x = 0; x < shape_.prompts; ++x) {
    // Bottom-up: the coefficient total of each prefix's subtree, level L first.
    level_.assign(
        coef.begin() + static_cast<std::ptrdiff_t>(static_cast<uint64_t>(x) * sequences_),
        coef.begin() + static_cast<std::ptrdiff_t>(static_cast<uint64_t>(x + 1) * sequences_));
    uint64_t level_size = sequences_ / v;
    uint64_t offset = static_cast<uint64_t>(x) * prefixes_ + prefixes_ - level_size;
    for (int t = shape_.length - 1; t >= 0; --t) {
      next_.resize(level_size);
      for (uint64_t j = 0; j < level_size; ++j) {
        const float* p = softmax_.data() + (offset + j) * v;
        float* d = dlogits_.data() + (offset + j) * v;
        double total = 0.0;
        for (size_t k = 0; k < v; ++k) total += level_[j * v + k];
        for (size_t k = 0; k < v; ++k) {
          d[k] = static_cast<float>(level_[j * v + k] - total * static_cast<double>(p[k]));
        }
        next_[j] = total;
      }
      level_.swap(next_);
      if (t > 0) {
        level_size /= v;
        offset -= level_size;
      }
    }
  }
  policy.backward(nodes_.batch(), dlogits_.data(), gradient.data());
}

double log_sum_exp(std::span<const double> v) {
  if (v.empty()) return -std::numeric_limits<double>::infinity();
  const double top = *std::max_element(v.begin(), v.end());
  if (!std::isfinite(top)) return top;
  double z = 0.0;
  for (double x : v) z += std::exp(x - top);
  return top + std::log(z);
}

std::vector<double> kl_optimum(std::span<const double> log_ref, std::span<const double> reward,
                               double beta) {
  VALOR_CHECK(log_ref.size() == reward.size());
  VALOR_CHECK(beta > 0.0);
  std::vector<double> out(log_ref.size());
  for (size_t y = 0; y < out.size(); ++y) out[y] = log_ref[y] + reward[y] / beta;
  const double log_z = log_sum_exp(out);
  for (double& o : out) o -= log_z;
  return out;
}

double kl_divergence(std::span<const double> log_p, std::span<const double> log_q) {
  VALOR_CHECK(log_p.size() == log_q.size());
  double kl = 0.0;
  for (size_t y = 0; y < log_p.size(); ++y) {
    const double p = std::exp(log_p[y]);
    if (p > 0.0) kl += p * (log_p[y] - log_q[y]);
  }
  return kl;
}

double expectation(std::span<const double> log_p, std::span<const double> value) {
  VALOR_CHECK(log_p.size() == value.size());
  double total = 0.0;
  for (size_t y = 0; y < log_p.size(); ++y) total += std::exp(log_p[y]) * value[y];
  return total;
}

double total_variation(std::span<const double> log_p, std::span<const double> log_q) {
  VALOR_CHECK(log_p.size() == log_q.size());
  double tv = 0.0;
  for (size_t y = 0; y < log_p.size(); ++y) tv += std::abs(std::exp(log_p[y]) - std::exp(log_q[y]));
  return 0.5 * tv;
}

}  // namespace valor::align
