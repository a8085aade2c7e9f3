#include "valor/agent/q_network.h"

#include <cblas.h>

#include <algorithm>
#include <charconv>

#include "valor/core/error.h"
#include "valor/core/text.h"

namespace valor::agent {

void check_network_kind(std::string_view kind, std::string_view where) {
  if (kind != "minatar_conv" && kind != "mlp") {
    fail("{}: unknown network '{}'; accepted: minatar_conv, mlp", where, kind);
  }
}

QNetworkImpl::QNetworkImpl(const NetworkSpec& spec) : spec_(spec) {
  check_network_kind(spec.kind, "network.kind");
  if (spec.num_actions < 1 || spec.outputs_per_action < 1) {
    fail("a Q-network needs at least one action and one output per action");
  }
  const int64_t outputs = int64_t{spec.num_actions} * spec.outputs_per_action;
  int64_t width = 1;
  if (spec.kind == "minatar_conv") {
    const auto& s = spec.obs_shape;
    if (s.size() != 3 || s[1] < 3 || s[2] < 3) {
      fail(
          "network.kind = minatar_conv needs observations of shape C x H x W with H, W >= 3; "
          "this environment's observations are not (use network.kind = mlp)");
    }
    if (spec.hidden.size() != 1) {
      fail("network.kind = minatar_conv takes one hidden width (network.hidden), got {}",
           spec.hidden.size());
    }
    conv_ = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(s[0], 16, 3)));
    width = int64_t{16} * (s[1] - 2) * (s[2] - 2);
  } else {
    for (int d : spec.obs_shape) width *= d;
  }
  for (size_t i = 0; i < spec.hidden.size(); ++i) {
    layers_.push_back(
        register_module("fc" + std::to_string(i), torch::nn::Linear(width, spec.hidden[i])));
    width = spec.hidden[i];
  }
  layers_.push_back(register_module("out", torch::nn::Linear(width, outputs)));
}

void QNetworkImpl::set_output_bias(std::span<const float> per_action) {
  VALOR_CHECK(per_action.size() == static_cast<size_t>(spec_.outputs_per_action));
  torch::NoGradGuard no_grad;
  float* bias = layers_.back()->bias.data_ptr<float>();
  for (int a = 0; a < spec_.num_actions; ++a) {
    std::copy(per_action.begin(), per_action.end(), bias + size_t(a) * per_action.size());
  }
}

torch::Tensor QNetworkImpl::features(torch::Tensor x) {
  if (conv_) x = torch::relu(conv_->forward(x));
  x = x.flatten(1);
  for (size_t i = 0; i + 1 < layers_.size(); ++i) x = torch::relu(layers_[i]->forward(x));
  return x;
}

torch::Tensor QNetworkImpl::forward(torch::Tensor x) {
  return layers_.back()->forward(features(x));
}

int64_t QNetworkImpl::hidden_width() const { return layers_.back()->weight.size(1); }

void QNetworkImpl::group_by_action(std::span<const int64_t> actions) {
  const auto num = static_cast<size_t>(spec_.num_actions);
  group_start_.assign(num + 1, 0);
  for (const int64_t a : actions) {
    VALOR_CHECK(a >= 0 && static_cast<size_t>(a) < num);
    ++group_start_[static_cast<size_t>(a) + 1];
  }
  for (size_t a = 0; a < num; ++a) group_start_[a + 1] += group_start_[a];
  order_.resize(actions.size());
  next_.assign(group_start_.begin(), group_start_.end() - 1);
  for (size_t b = 0; b < actions.size(); ++b) {
    order_[static_cast<size_t>(next_[static_cast<size_t>(actions[b])]++)] = static_cast<int64_t>(b);
  }
}

void QNetworkImpl::taken_outputs(std::span<const float> h, std::span<const int64_t> actions,
                                 std::span<float> out) {
  const size_t batch = actions.size(), width = static_cast<size_t>(hidden_width());
  const size_t k = static_cast<size_t>(spec_.outputs_per_action);
  VALOR_CHECK(h.size() == batch * width && out.size() == batch * k);
  group_by_action(actions);
  rows_.resize(batch * width);
  results_.resize(batch * k);
  for (size_t i = 0; i < batch; ++i) {
    std::copy_n(h.data() + static_cast<size_t>(order_[i]) * width, width, rows_.data() + i * width);
  }
  const float* w = layers_.back()->weight.data_ptr<float>();
  const float* bias = layers_.back()->bias.data_ptr<float>();
  for (size_t a = 0; a + 1 < group_start_.size(); ++a) {
    const auto begin = static_cast<size_t>(group_start_[a]);
    const auto n = static_cast<size_t>(group_start_[a + 1]) - begin;
    if (n == 0) continue;
    float* z = results_.data() + begin * k;
    for (size_t i = 0; i < n; ++i) std::copy_n(bias + a * k, k, z + i * k);
    // z (n x K) += rows (n x H) . W_a^T, W_a the K x H block of action a.
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(k),
                static_cast<int>(width), 1.0f, rows_.data() + begin * width,
                static_cast<int>(width), w + a * k * width, static_cast<int>(width), 1.0f, z,
                static_cast<int>(k));
  }
  for (size_t i = 0; i < batch; ++i) {
    std::copy_n(results_.data() + i * k, k, out.data() + static_cast<size_t>(order_[i]) * k);
  }
}

void QNetworkImpl::taken_outputs_backward(std::span<const float> grad, std::span<float> dh) {
  const size_t batch = order_.size(), width = static_cast<size_t>(hidden_width());
  const size_t k = static_cast<size_t>(spec_.outputs_per_action);
  VALOR_CHECK(rows_.size() == batch * width && grad.size() == batch * k &&
              dh.size() == batch * width);
  grads_.resize(batch * k);
  results_.resize(batch * width);
  for (size_t i = 0; i < batch; ++i) {
    std::copy_n(grad.data() + static_cast<size_t>(order_[i]) * k, k, grads_.data() + i * k);
  }
  torch::nn::Linear& out = layers_.back();
  if (!out->weight.grad().defined()) out->weight.mutable_grad() = torch::zeros_like(out->weight);
  if (!out->bias.grad().defined()) out->bias.mutable_grad() = torch::zeros_like(out->bias);
  const float* w = out->weight.data_ptr<float>();
  float* dw = out->weight.mutable_grad().data_ptr<float>();
  float* db = out->bias.mutable_grad().data_ptr<float>();
  for (size_t a = 0; a + 1 < group_start_.size(); ++a) {
    const auto begin = static_cast<size_t>(group_start_[a]);
    const auto n = static_cast<size_t>(group_start_[a + 1]) - begin;
    if (n == 0) continue;
    const float* g = grads_.data() + begin * k;
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < k; ++j) db[a * k + j] += g[i * k + j];
    }
    // dW_a (K x H) += g^T (K x n) . rows (n x H); dh (n x H) = g (n x K) . W_a (K x H).
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(k),
                static_cast<int>(width), static_cast<int>(n), 1.0f, g, static_cast<int>(k),
                rows_.data() + begin * width, static_cast<int>(width), 1.0f, dw + a * k * width,
                static_cast<int>(width));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n),
                static_cast<int>(width), static_cast<int>(k), 1.0f, g, static_cast<int>(k),
                w + a * k * width, static_cast<int>(width), 0.0f, results_.data() + begin * width,
                static_cast<int>(width));
  }
  for (size_t i = 0; i < batch; ++i) {
    std::copy_n(results_.data() + i * width, width,
                dh.data() + static_cast<size_t>(order_[i]) * width);
  }
}

namespace {

// y = W x + b for W [out, in] row-major, then ReLU if asked. Eight partial sums per row so that
// the compiler vectorises the dot products without -ffast-math; built for AVX2 as well as the
// baseline, picked at load time.
__attribute__((target_clones("avx2", "default"))) void dense(const float* w, const float* b,
                                                             const float* x, float* y, int64_t in,
                                                             int64_t out, bool relu) {
  for (int64_t o = 0; o < out; ++o) {
    const float* row = w + o * in;
    float acc[8] = {};
    int64_t i = 0;
    for (; i + 8 <= in; i += 8) {
      for (int j = 0; j < 8; ++j) acc[j] += row[i + j] * x[i + j];
    }
    float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < in; ++i) sum += row[i] * x[i];
    sum += b[o];
    y[o] = relu ? std::max(sum, 0.0f) : sum;
  }
}

// Valid 3x3 convolution, stride 1, then ReLU: x [C, H, W] -> y [F, H-2, W-2].
__attribute__((target_clones("avx2", "default"))) void conv3x3_relu(const float* w, const float* b,
                                                                    const float* x, float* y,
                                                                    int64_t channels, int64_t h,
                                                                    int64_t width,
                                                                    int64_t filters) {
  const int64_t oh = h - 2, ow = width - 2;
  for (int64_t f = 0; f < filters; ++f) {
    float* plane = y + f * oh * ow;
    std::fill_n(plane, oh * ow, b[f]);
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t ky = 0; ky < 3; ++ky) {
        for (int64_t kx = 0; kx < 3; ++kx) {
          const float wv = w[((f * channels + c) * 3 + ky) * 3 + kx];
          for (int64_t r = 0; r < oh; ++r) {
            const float* in = x + (c * h + r + ky) * width + kx;
            float* o = plane + r * ow;
            for (int64_t col = 0; col < ow; ++col) o[col] += wv * in[col];
          }
        }
      }
    }
    for (int64_t i = 0; i < oh * ow; ++i) plane[i] = std::max(plane[i], 0.0f);
  }
}

}  // namespace

void QNetworkImpl::forward_one(std::span<const float> obs, std::span<float> out,
                               std::vector<float>& scratch) {
  int64_t width = 1;
  for (int d : spec_.obs_shape) width *= d;
  VALOR_CHECK(obs.size() == static_cast<size_t>(width));
  VALOR_CHECK(out.size() == static_cast<size_t>(layers_.back()->weight.size(0)));
  // Two ping-pong halves, each as wide as the widest layer input.
  int64_t widest = width;
  if (conv_) widest = std::max(widest, layers_.front()->weight.size(1));
  for (const auto& l : layers_) widest = std::max(widest, l->weight.size(0));
  scratch.resize(static_cast<size_t>(2 * widest));
  float* a = scratch.data();
  float* b = scratch.data() + widest;
  const float* x = obs.data();
  if (conv_) {
    const auto& s = spec_.obs_shape;
    conv3x3_relu(conv_->weight.data_ptr<float>(), conv_->bias.data_ptr<float>(), x, a, s[0], s[1],
                 s[2], conv_->weight.size(0));
    x = a;
    std::swap(a, b);
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    const auto& l = layers_[i];
    const bool last = i + 1 == layers_.size();
    dense(l->weight.data_ptr<float>(), l->bias.data_ptr<float>(), x, last ? out.data() : a,
          l->weight.size(1), l->weight.size(0), !last);
    x = a;
    std::swap(a, b);
  }
}

void copy_parameters(QNetwork& to, const QNetwork& from) {
  torch::NoGradGuard no_grad;
  const auto src = from->parameters();
  auto dst = to->parameters();
  VALOR_CHECK(src.size() == dst.size());
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
}

void polyak_update(QNetwork& to, const QNetwork& from, double tau) {
  torch::NoGradGuard no_grad;
  const auto src = from->parameters();
  auto dst = to->parameters();
  VALOR_CHECK(src.size() == dst.size());
  for (size_t i = 0; i < src.size(); ++i) dst[i].mul_(1.0 - tau).add_(src[i], tau);
}

}  // namespace valor::agent
