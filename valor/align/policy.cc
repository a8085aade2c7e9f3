#include "valor/align/policy.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"

namespace valor::align {

uint64_t SequenceShape::num_sequences() const {
  uint64_t n = 1;
  for (int t = 0; t < length; ++t) {
    if (n > (uint64_t{1} << 62) / static_cast<uint64_t>(vocab)) return 0;
    n *= static_cast<uint64_t>(vocab);
  }
  return n;
}

uint64_t SequenceShape::num_prefixes() const {
  uint64_t total = 0, level = 1;
  for (int t = 0; t < length; ++t) {
    total += level;
    if (level > (uint64_t{1} << 62) / static_cast<uint64_t>(vocab)) return 0;
    level *= static_cast<uint64_t>(vocab);
  }
  return total;
}

uint64_t SequenceShape::prefix_node(const uint8_t* tokens, int t) const {
  uint64_t offset = 0, level = 1, index = 0;
  for (int s = 0; s < t; ++s) {
    offset += level;
    level *= static_cast<uint64_t>(vocab);
    index = index * static_cast<uint64_t>(vocab) + tokens[s];
  }
  return offset + index;
}

void check_shape(const SequenceShape& shape) {
  if (shape.prompts < 1) fail("prompts = {}: needs at least 1", shape.prompts);
  if (shape.vocab < 2 || shape.vocab > 255) fail("vocab = {}: accepted 2 to 255", shape.vocab);
  if (shape.length < 1) fail("length = {}: needs at least 1", shape.length);
}

namespace {

// out (n x o) += in (n x i) W^T, W (o x i) row-major.
void gemm_nt(const float* in, const float* w, float* out, size_t n, size_t i, size_t o) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(o),
              static_cast<int>(i), 1.0f, in, static_cast<int>(i), w, static_cast<int>(i), 1.0f, out,
              static_cast<int>(o));
}

// The first layer on one-hot features, node by node: the bias plus one row of W_0 (features x
// width) per active feature (prompt, position, then the prefix tokens), then the ReLU when
// `relu`. The hot loops of a step, compiled for AVX2 and for the baseline, chosen at load time.
__attribute__((target_clones("avx2", "default"))) void first_layer_forward(
    const int32_t* prompts, const int32_t* positions, const uint8_t* tokens, size_t n, size_t p,
    size_t len, size_t v, const float* __restrict w0, const float* __restrict b0, size_t width,
    bool relu, float* __restrict out) {
  for (size_t i = 0; i < n; ++i) {
    float* __restrict row = out + i * width;
    auto add_row = [&](size_t feature) {
      const float* __restrict w = w0 + feature * width;
      for (size_t k = 0; k < width; ++k) row[k] += w[k];
    };
    for (size_t k = 0; k < width; ++k) row[k] = b0[k];
    const auto t = static_cast<size_t>(positions[i]);
    add_row(static_cast<size_t>(prompts[i]));
    add_row(p + t);
    for (size_t s = 0; s < t; ++s) add_row(p + len + s * v + tokens[i * len + s]);
    if (relu) {
      for (size_t k = 0; k < width; ++k) row[k] = std::max(row[k], 0.0f);
    }
  }
}

// Its gradient: delta (n x width) into the bias and the rows of the active features.
__attribute__((target_clones("avx2", "default"))) void first_layer_backward(
    const int32_t* prompts, const int32_t* positions, const uint8_t* tokens, size_t n, size_t p,
    size_t len, size_t v, const float* __restrict delta, size_t width, float* __restrict gw0,
    float* __restrict gb0) {
  for (size_t i = 0; i < n; ++i) {
    const float* __restrict d = delta + i * width;
    auto add_row = [&](size_t feature) {
      float* __restrict g = gw0 + feature * width;
      for (size_t k = 0; k < width; ++k) g[k] += d[k];
    };
    for (size_t k = 0; k < width; ++k) gb0[k] += d[k];
    const auto t = static_cast<size_t>(positions[i]);
    add_row(static_cast<size_t>(prompts[i]));
    add_row(p + t);
    for (size_t s = 0; s < t; ++s) add_row(p + len + s * v + tokens[i * len + s]);
  }
}

}  // namespace

MlpPolicy::MlpPolicy(SequenceShape shape, std::vector<size_t> hidden)
    : Policy(shape), hidden_(std::move(hidden)) {
  check_shape(shape_);
  for (size_t width : hidden_) {
    if (width == 0) fail("a hidden layer of width 0: every width must be at least 1");
  }
  size_t offset = 0;
  for (size_t l = 0; l < num_layers(); ++l) {
    offsets_.push_back(offset);
    offset += layer_inputs(l) * layer_outputs(l) + layer_outputs(l);
  }
  parameters_.assign(offset, 0.0f);
  activations_.resize(hidden_.size());
}

size_t MlpPolicy::num_features() const {
  const auto p = static_cast<size_t>(shape_.prompts), l = static_cast<size_t>(shape_.length);
  return p + l + l * static_cast<size_t>(shape_.vocab);
}

size_t MlpPolicy::layer_inputs(size_t l) const { return l == 0 ? num_features() : hidden_[l - 1]; }

size_t MlpPolicy::layer_outputs(size_t l) const {
  return l < hidden_.size() ? hidden_[l] : static_cast<size_t>(shape_.vocab);
}

void MlpPolicy::initialise(Rng& rng) {
  for (size_t l = 0; l < num_layers(); ++l) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(layer_inputs(l)));
    const size_t end = bias_offset(l) + layer_outputs(l);
    for (size_t k = weight_offset(l); k < end; ++k) {
      parameters_[k] = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
    }
  }
}

std::vector<size_t> MlpPolicy::active_features(const NodeBatch& nodes, size_t i) const {
  const auto p = static_cast<size_t>(shape_.prompts), len = static_cast<size_t>(shape_.length);
  const auto v = static_cast<size_t>(shape_.vocab);
  const auto t = static_cast<size_t>(nodes.positions[i]);
  std::vector<size_t> features = {static_cast<size_t>(nodes.prompts[i]), p + t};
  for (size_t s = 0; s < t; ++s) features.push_back(p + len + s * v + nodes.tokens[i * len + s]);
  return features;
}

void MlpPolicy::logits(const NodeBatch& nodes, float* out) {
  const size_t n = nodes.size();
  const auto p = static_cast<size_t>(shape_.prompts), len = static_cast<size_t>(shape_.length);
  const auto v = static_cast<size_t>(shape_.vocab);
  const float* params = parameters_.data();
  // Layer 0 on one-hot features: the bias plus one row of W_0 per active feature.
  const size_t width0 = layer_outputs(0);
  float* first =
      hidden_.empty() ? out : (activations_[0].resize(n * width0), activations_[0].data());
  const float* w0 = params + weight_offset(0);
  const float* b0 = params + bias_offset(0);
  first_layer_forward(nodes.prompts.data(), nodes.positions.data(), nodes.tokens.data(), n, p, len,
                      v, w0, b0, width0, !hidden_.empty(), first);
  for (size_t l = 1; l < num_layers(); ++l) {
    const size_t in = layer_inputs(l), o = layer_outputs(l);
    const bool last = l + 1 == num_layers();
    float* target = last ? out : (activations_[l].resize(n * o), activations_[l].data());
    const float* bias = params + bias_offset(l);
    for (size_t i = 0; i < n; ++i) std::copy(bias, bias + o, target + i * o);
    gemm_nt(activations_[l - 1].data(), params + weight_offset(l), target, n, in, o);
    if (!last) {
      for (size_t k = 0; k < n * o; ++k) target[k] = std::max(target[k], 0.0f);
    }
  }
}

void MlpPolicy::backward(const NodeBatch& nodes, const float* dlogits, float* gradient) {
  const size_t n = nodes.size();
  const auto p = static_cast<size_t>(shape_.prompts), len = static_cast<size_t>(shape_.length);
  const auto v = static_cast<size_t>(shape_.vocab);
  const float* params = parameters_.data();
  const size_t out_width = layer_outputs(num_layers() - 1);
  delta_.assign(dlogits, dlogits + n * out_width);
  for (size_t l = num_layers() - 1; l >= 1; --l) {
    const size_t in = layer_inputs(l), o = layer_outputs(l);
    const float* input = activations_[l - 1].data();
    // dW_l += delta^T input; db_l += column sums of delta.
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(o), static_cast<int>(in),
                static_cast<int>(n), 1.0f, delta_.data(), static_cast<int>(o), input,
                static_cast<int>(in), 1.0f, gradient + weight_offset(l), static_cast<int>(in));
    float* gb = gradient + bias_offset(l);
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < o; ++k) gb[k] += delta_[i * o + k];
    }
    delta_next_.resize(n * in);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n),
                static_cast<int>(in), static_cast<int>(o), 1.0f, delta_.data(), static_cast<int>(o),
                params + weight_offset(l), static_cast<int>(in), 0.0f, delta_next_.data(),
                static_cast<int>(in));
    // Through the ReLU of the layer below: its output is 0 exactly where the ReLU cut.
    // (A select, not a branch: the ReLU cuts about half the units in no predictable pattern.)
    float* next = delta_next_.data();
    for (size_t k = 0; k < n * in; ++k) next[k] = input[k] <= 0.0f ? 0.0f : next[k];
    delta_.swap(delta_next_);
  }
  const size_t width0 = layer_outputs(0);
  float* gw0 = gradient + weight_offset(0);
  float* gb0 = gradient + bias_offset(0);
  first_layer_backward(nodes.prompts.data(), nodes.positions.data(), nodes.tokens.data(), n, p, len,
                       v, delta_.data(), width0, gw0, gb0);
}

TabularPolicy::TabularPolicy(SequenceShape shape) : Policy(shape) {
  check_shape(shape_);
  const uint64_t prefixes = shape_.num_prefixes();
  const auto per_prompt = static_cast<uint64_t>(shape_.vocab);
  if (prefixes == 0 ||
      prefixes > kMaxTabularParameters / per_prompt / static_cast<uint64_t>(shape_.prompts)) {
    fail(
        "a tabular policy for {} prompts, vocab {} and length {} needs more than {} logits; "
        "use a smaller task or the mlp policy",
        shape_.prompts, shape_.vocab, shape_.length, kMaxTabularParameters);
  }
  parameters_.assign(prefixes * per_prompt * static_cast<uint64_t>(shape_.prompts), 0.0f);
}

uint64_t TabularPolicy::row(const NodeBatch& nodes, size_t i) const {
  const auto len = static_cast<size_t>(shape_.length);
  return static_cast<uint64_t>(nodes.prompts[i]) * shape_.num_prefixes() +
         shape_.prefix_node(nodes.tokens.data() + i * len, nodes.positions[i]);
}

void TabularPolicy::logits(const NodeBatch& nodes, float* out) {
  const auto v = static_cast<size_t>(shape_.vocab);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const float* r = parameters_.data() + row(nodes, i) * v;
    std::copy(r, r + v, out + i * v);
  }
}

void TabularPolicy::backward(const NodeBatch& nodes, const float* dlogits, float* gradient) {
  const auto v = static_cast<size_t>(shape_.vocab);
  for (size_t i = 0; i < nodes.size(); ++i) {
    float* g = gradient + row(nodes, i) * v;
    for (size_t k = 0; k < v; ++k) g[k] += dlogits[i * v + k];
  }
}

PrefixNodes all_prefix_nodes(const SequenceShape& s) {
  const auto len = static_cast<size_t>(s.length), v = static_cast<size_t>(s.vocab);
  const size_t n = static_cast<size_t>(s.num_prefixes()) * static_cast<size_t>(s.prompts);
  PrefixNodes nodes;
  nodes.length = len;
  nodes.prompts.resize(n);
  nodes.positions.resize(n);
  nodes.tokens.assign(n * len, 0);
  size_t i = 0;
  for (int x = 0; x < s.prompts; ++x) {
    uint64_t level = 1;
    for (int t = 0; t < s.length; ++t) {
      for (uint64_t index = 0; index < level; ++index, ++i) {
        nodes.prompts[i] = x;
        nodes.positions[i] = t;
        uint64_t rest = index;
        for (int k = t - 1; k >= 0; --k) {
          nodes.tokens[i * len + static_cast<size_t>(k)] = static_cast<uint8_t>(rest % v);
          rest /= v;
        }
      }
      level *= v;
    }
  }
  return nodes;
}

TabularPolicy TabularPolicy::copy_of(Policy& policy) {
  TabularPolicy table(policy.shape());
  const SequenceShape& s = policy.shape();
  const auto v = static_cast<size_t>(s.vocab);
  const PrefixNodes all = all_prefix_nodes(s);
  const size_t n = all.prompts.size();
  const NodeBatch nodes = all.batch();
  std::vector<float> out(n * v);
  policy.logits(nodes, out.data());
  for (size_t r = 0; r < n; ++r) {
    float* row = out.data() + r * v;
    const float top = *std::max_element(row, row + v);
    double z = 0.0;
    for (size_t k = 0; k < v; ++k) z += std::exp(static_cast<double>(row[k] - top));
    const auto log_z = static_cast<float>(std::log(z));
    float* target = table.parameters_.data() + table.row(nodes, r) * v;
    for (size_t k = 0; k < v; ++k) target[k] = row[k] - top - log_z;
  }
  return table;
}

void SequenceBatch::evaluate(Policy& policy, std::span<const int32_t> prompts,
                             std::span<const uint8_t> tokens) {
  length_ = policy.shape().length;
  vocab_ = policy.shape().vocab;
  const auto len = static_cast<size_t>(length_), v = static_cast<size_t>(vocab_);
  const size_t n = prompts.size();
  VALOR_CHECK(tokens.size() == n * len, "{} tokens for {} sequences", tokens.size(), n);
  prompts_.assign(prompts.begin(), prompts.end());
  node_prompts_.resize(n * len);
  node_positions_.resize(n * len);
  node_tokens_.resize(n * len * len);
  for (size_t i = 0; i < n; ++i) {
    for (size_t t = 0; t < len; ++t) {
      const size_t node = i * len + t;
      node_prompts_[node] = prompts[i];
      node_positions_[node] = static_cast<int32_t>(t);
      std::copy(tokens.begin() + static_cast<std::ptrdiff_t>(i * len),
                tokens.begin() + static_cast<std::ptrdiff_t>((i + 1) * len),
                node_tokens_.begin() + static_cast<std::ptrdiff_t>(node * len));
    }
  }
  logits_.resize(n * len * v);
  policy.logits(NodeBatch{node_prompts_, node_positions_, node_tokens_}, logits_.data());
  token_log_probs_.resize(n * len);
  for (size_t node = 0; node < n * len; ++node) {
    float* row = logits_.data() + node * v;
    const float top = *std::max_element(row, row + v);
    double z = 0.0;
    for (size_t k = 0; k < v; ++k) z += std::exp(static_cast<double>(row[k] - top));
    const uint8_t y = tokens[node];
    token_log_probs_[node] = static_cast<float>(row[y] - top - std::log(z));
    const auto inv_z = static_cast<float>(1.0 / z);
    for (size_t k = 0; k < v; ++k) row[k] = std::exp(row[k] - top) * inv_z;  // softmax
  }
}

double SequenceBatch::sequence_log_prob(size_t i) const {
  double total = 0.0;
  const auto len = static_cast<size_t>(length_);
  for (size_t t = 0; t < len; ++t) total += token_log_probs_[i * len + t];
  return total;
}

void SequenceBatch::backward(Policy& policy, std::span<const float> coef,
                             std::vector<float>& gradient) {
  const auto len = static_cast<size_t>(length_), v = static_cast<size_t>(vocab_);
  const size_t nodes = prompts_.size() * len;
  VALOR_CHECK(coef.size() == nodes, "{} coefficients for {} tokens", coef.size(), nodes);
  gradient.resize(policy.parameters().size(), 0.0f);
  dlogits_.resize(nodes * v);
  for (size_t node = 0; node < nodes; ++node) {
    const float* softmax = logits_.data() + node * v;
    float* d = dlogits_.data() + node * v;
    const float c = coef[node];
    for (size_t k = 0; k < v; ++k) d[k] = -c * softmax[k];
    d[node_tokens_[node * len + static_cast<size_t>(node_positions_[node])]] += c;
  }
  policy.backward(NodeBatch{node_prompts_, node_positions_, node_tokens_}, dlogits_.data(),
                  gradient.data());
}

void sample_sequences(Policy& policy, std::span<const int32_t> prompts, Rng& rng,
                      std::vector<uint8_t>& tokens) {
  const auto len = static_cast<size_t>(policy.shape().length);
  const auto v = static_cast<size_t>(policy.shape().vocab);
  const size_t n = prompts.size();
  tokens.assign(n * len, 0);
  std::vector<int32_t> positions(n);
  std::vector<float> out(n * v);
  std::vector<double> weights(v);
  for (size_t t = 0; t < len; ++t) {
    std::fill(positions.begin(), positions.end(), static_cast<int32_t>(t));
    policy.logits(NodeBatch{prompts, positions, tokens}, out.data());
    for (size_t i = 0; i < n; ++i) {
      const float* row = out.data() + i * v;
      const float top = *std::max_element(row, row + v);
      double z = 0.0;
      for (size_t k = 0; k < v; ++k)
        z += (weights[k] = std::exp(static_cast<double>(row[k] - top)));
      tokens[i * len + t] = static_cast<uint8_t>(rng.weighted_index(weights, z));
    }
  }
}

}  // namespace valor::align
