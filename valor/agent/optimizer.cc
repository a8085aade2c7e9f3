#include "valor/agent/optimizer.h"

#include <algorithm>
#include <cmath>

#include "valor/core/byte_stream.h"
#include "valor/core/error.h"

namespace valor::agent {

namespace {

constexpr uint32_t kOptimizerTag = 0x4f505431;  // "OPT1"

// The element loops, compiled for AVX2 as well as the baseline and picked at load time (this
// file is built with -fno-math-errno so that sqrt vectorises).
__attribute__((target_clones("avx2", "default"))) void adam_kernel(float* w, const float* g,
                                                                   float* m1, float* m2, int64_t n,
                                                                   float b1, float one_b1, float b2,
                                                                   float one_b2, float sqrt_c2,
                                                                   float eps, float step_size) {
  for (int64_t i = 0; i < n; ++i) {
    m1[i] = m1[i] * b1 + one_b1 * g[i];
    m2[i] = m2[i] * b2 + one_b2 * g[i] * g[i];
    w[i] -= step_size * (m1[i] / (std::sqrt(m2[i]) / sqrt_c2 + eps));
  }
}

// m1: square_avg, m2: grad_avg.
__attribute__((target_clones("avx2", "default"))) void rmsprop_centered_kernel(
    float* w, const float* g, float* m1, float* m2, int64_t n, float alpha, float one_alpha,
    float eps, float lr) {
  for (int64_t i = 0; i < n; ++i) {
    m1[i] = m1[i] * alpha + one_alpha * g[i] * g[i];
    m2[i] = m2[i] * alpha + one_alpha * g[i];
    const float variance = std::max(m1[i] - m2[i] * m2[i], 0.0f);
    w[i] -= lr * (g[i] / (std::sqrt(variance) + eps));
  }
}

}  // namespace

Optimizer::Optimizer(std::vector<torch::Tensor> parameters, const OptimizerOptions& options)
    : params_(std::move(parameters)), options_(options) {
  if (options.kind != "adam" && options.kind != "rmsprop_centered") {
    fail("train.optimizer: unknown optimiser '{}'; accepted: adam, rmsprop_centered", options.kind);
  }
  for (auto& p : params_) {
    VALOR_CHECK(p.scalar_type() == torch::kFloat32 && p.is_contiguous());
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    first_.emplace_back(static_cast<size_t>(p.numel()), 0.0f);
    second_.emplace_back(static_cast<size_t>(p.numel()), 0.0f);
  }
}

void Optimizer::zero_grad() {
  for (auto& p : params_) {
    auto& g = p.mutable_grad();
    std::fill_n(g.data_ptr<float>(), g.numel(), 0.0f);
  }
}

double Optimizer::clip_grad_norm(double max_norm) {
  double sum = 0.0;
  for (auto& p : params_) {
    const float* g = p.grad().data_ptr<float>();
    for (int64_t i = 0, n = p.numel(); i < n; ++i) sum += double{g[i]} * g[i];
  }
  const double norm = std::sqrt(sum);
  if (max_norm > 0 && norm > max_norm) {
    const auto scale = static_cast<float>(max_norm / (norm + 1e-6));
    for (auto& p : params_) {
      float* g = p.mutable_grad().data_ptr<float>();
      for (int64_t i = 0, n = p.numel(); i < n; ++i) g[i] *= scale;
    }
  }
  return norm;
}

void Optimizer::step() {
  ++steps_;
  const auto lr = static_cast<float>(options_.learning_rate);
  for (size_t j = 0; j < params_.size(); ++j) {
    auto& p = params_[j];
    float* w = p.data_ptr<float>();
    const float* g = p.grad().data_ptr<float>();
    float* m1 = first_[j].data();
    float* m2 = second_[j].data();
    const int64_t n = p.numel();
    if (options_.kind == "adam") {
      const double t = static_cast<double>(steps_);
      const double correction1 = 1.0 - std::pow(options_.adam_beta1, t);
      const double correction2 = 1.0 - std::pow(options_.adam_beta2, t);
      const auto b1 = static_cast<float>(options_.adam_beta1);
      const auto b2 = static_cast<float>(options_.adam_beta2);
      const auto one_b1 = static_cast<float>(1.0 - options_.adam_beta1);
      const auto one_b2 = static_cast<float>(1.0 - options_.adam_beta2);
      const auto sqrt_c2 = static_cast<float>(std::sqrt(correction2));
      const auto eps = static_cast<float>(options_.adam_eps);
      const auto step_size = static_cast<float>(options_.learning_rate / correction1);
      adam_kernel(w, g, m1, m2, n, b1, one_b1, b2, one_b2, sqrt_c2, eps, step_size);
    } else {
      const auto alpha = static_cast<float>(options_.rmsprop_alpha);
      const auto one_alpha = static_cast<float>(1.0 - options_.rmsprop_alpha);
      const auto eps = static_cast<float>(options_.rmsprop_eps);
      rmsprop_centered_kernel(w, g, m1, m2, n, alpha, one_alpha, eps, lr);
    }
  }
}

std::string Optimizer::save_state() const {
  ByteWriter w;
  w.put(kOptimizerTag);
  w.put_string(options_.kind);
  w.put<int64_t>(steps_);
  w.put<uint64_t>(params_.size());
  for (size_t j = 0; j < params_.size(); ++j) {
    w.put_array<float>(first_[j]);
    w.put_array<float>(second_[j]);
  }
  return w.take();
}

void Optimizer::load_state(std::string_view bytes) {
  ByteReader r(bytes, "optimiser state");
  if (r.get<uint32_t>() != kOptimizerTag) fail("{}: not an optimiser state", r.what());
  const std::string kind = r.get_string();
  if (kind != options_.kind) {
    fail("{}: saved by optimiser '{}', this run uses '{}'", r.what(), kind, options_.kind);
  }
  const auto steps = r.get<int64_t>();
  if (steps < 0) fail("{}: a step count of {}", r.what(), steps);
  if (r.get<uint64_t>() != params_.size()) {
    fail("{}: saved for another number of parameter tensors", r.what());
  }
  for (size_t j = 0; j < params_.size(); ++j) {
    r.get_array_into<float>(first_[j]);
    r.get_array_into<float>(second_[j]);
    // Adam's second moment and RMSProp's mean square are never negative; nothing is infinite.
    const std::vector<float>& squares = options_.kind == "adam" ? second_[j] : first_[j];
    for (size_t k = 0; k < first_[j].size(); ++k) {
      if (!std::isfinite(first_[j][k]) || !std::isfinite(second_[j][k]) || squares[k] < 0) {
        fail("{}: a moment estimate of parameter tensor {} is {} / {}", r.what(), j, first_[j][k],
             second_[j][k]);
      }
    }
  }
  r.expect_done();
  steps_ = steps;
}

}  // namespace valor::agent
