#include "valor/reward/mlp_reward.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "valor/core/byte_stream.h"
#include "valor/core/error.h"

namespace valor::reward {
namespace {

// Rows per forward chunk when scoring (bounds the activation buffers).
constexpr size_t kScoreChunk = 1024;

float softplus(float x) {
  return x > 0.0f ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}
float sigmoid(float x) {
  if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.0f + e);
}

// out (n x o) = in (n x i) W^T + b, W (o x i) row-major.
void linear_forward(const float* in, size_t n, size_t i, const float* w, const float* b, size_t o,
                    float* out) {
  for (size_t r = 0; r < n; ++r) std::copy(b, b + o, out + r * o);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(o),
              static_cast<int>(i), 1.0f, in, static_cast<int>(i), w, static_cast<int>(i), 1.0f, out,
              static_cast<int>(o));
}

void relu(float* x, size_t n) {
  for (size_t k = 0; k < n; ++k) x[k] = std::max(x[k], 0.0f);
}

}  // namespace

MlpReward::MlpReward(size_t input_dim, std::vector<size_t> hidden)
    : input_dim_(input_dim), hidden_(std::move(hidden)) {
  if (input_dim_ == 0) fail("MLP reward model: input dimension 0");
  for (const size_t h : hidden_) {
    if (h == 0) fail("MLP reward model: a hidden layer of width 0");
  }
  size_t offset = 0;
  for (size_t l = 0; l < num_layers(); ++l) {
    offsets_.push_back(offset);
    offset += (layer_inputs(l) + 1) * layer_outputs(l);
  }
  parameters_.assign(offset, 0.0f);
}

void MlpReward::initialise(Rng& rng) {
  for (size_t l = 0; l < num_layers(); ++l) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(layer_inputs(l)));
    const size_t count = (layer_inputs(l) + 1) * layer_outputs(l);
    for (size_t k = 0; k < count; ++k) {
      parameters_[offsets_[l] + k] = (2.0f * rng.uniform_float() - 1.0f) * bound;
    }
  }
}

void MlpReward::rewards(const float* x, size_t n, float* out) const {
  size_t widest = 1;
  for (const size_t h : hidden_) widest = std::max(widest, h);
  std::vector<float> a(kScoreChunk * widest), b(kScoreChunk * widest);
  for (size_t start = 0; start < n; start += kScoreChunk) {
    const size_t rows = std::min(kScoreChunk, n - start);
    const float* in = x + start * input_dim_;
    for (size_t l = 0; l < num_layers(); ++l) {
      float* target = l + 1 == num_layers() ? out + start : a.data();
      linear_forward(in, rows, layer_inputs(l), parameters_.data() + weight_offset(l),
                     parameters_.data() + bias_offset(l), layer_outputs(l), target);
      if (l + 1 < num_layers()) {
        relu(target, rows * layer_outputs(l));
        std::swap(a, b);
        in = b.data();
      }
    }
  }
}

MlpGradient::MlpGradient(const MlpReward& model, size_t max_batch) : max_batch_(max_batch) {
  size_t widest = 1;
  for (size_t l = 0; l + 1 < model.num_layers(); ++l) {
    activations_.emplace_back(2 * max_batch * model.layer_outputs(l));
    masks_.emplace_back(2 * max_batch * model.layer_outputs(l));
    widest = std::max(widest, model.layer_outputs(l));
  }
  delta_.resize(2 * max_batch * widest);
  delta_next_.resize(2 * max_batch * widest);
  rewards_.resize(2 * max_batch);
}

double MlpGradient::loss_and_gradient(const MlpReward& model, const float* x, const float* outcome,
                                      const float* weight, size_t batch, double dropout, Rng* rng,
                                      std::vector<float>& gradient) {
  VALOR_CHECK(batch <= max_batch_ && batch > 0, "batch {} of at most {}", batch, max_batch_);
  VALOR_CHECK(dropout == 0.0 || rng != nullptr, "dropout needs an rng");
  const std::vector<float>& p = model.parameters();
  gradient.resize(p.size());  // the weights' gradients are overwritten (beta 0), biases summed
  const size_t n = 2 * batch;
  const size_t layers = model.num_layers();
  const float keep_scale = dropout > 0.0 ? static_cast<float>(1.0 / (1.0 - dropout)) : 1.0f;
  // Forward, keeping each hidden layer's output (after ReLU and dropout).
  const float* in = x;
  for (size_t l = 0; l + 1 < layers; ++l) {
    const size_t width = model.layer_outputs(l);
    float* out = activations_[l].data();
    linear_forward(in, n, model.layer_inputs(l), p.data() + model.weight_offset(l),
                   p.data() + model.bias_offset(l), width, out);
    relu(out, n * width);
    if (dropout > 0.0) {
      float* mask = masks_[l].data();
      for (size_t k = 0; k < n * width; ++k) {
        mask[k] = rng->uniform() < dropout ? 0.0f : keep_scale;
        out[k] *= mask[k];
      }
    }
    in = out;
  }
  const size_t last = layers - 1;
  linear_forward(in, n, model.layer_inputs(last), p.data() + model.weight_offset(last),
                 p.data() + model.bias_offset(last), 1, rewards_.data());
  // Loss and its derivative with respect to each reward.
  double loss = 0.0;
  const float inv_batch = 1.0f / static_cast<float>(batch);
  float* dr = delta_.data();
  for (size_t i = 0; i < batch; ++i) {
    const float margin = rewards_[i] - rewards_[batch + i];
    const float o = outcome[i];
    const float w = weight[i];
    loss += w * (o * softplus(-margin) + (1.0f - o) * softplus(margin));
    const float d = w * (sigmoid(margin) - o) * inv_batch;
    dr[i] = d;
    dr[batch + i] = -d;
  }
  loss /= static_cast<double>(batch);
  // Backward, layer by layer: dW = delta^T input, db = column sums of delta, delta_in = delta W.
  for (size_t l = layers; l-- > 0;) {
    const size_t fan_in = model.layer_inputs(l);
    const size_t fan_out = model.layer_outputs(l);
    const float* input = l == 0 ? x : activations_[l - 1].data();
    float* gw = gradient.data() + model.weight_offset(l);
    float* gb = gradient.data() + model.bias_offset(l);
    std::fill(gb, gb + fan_out, 0.0f);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(fan_out),
                static_cast<int>(fan_in), static_cast<int>(n), 1.0f, delta_.data(),
                static_cast<int>(fan_out), input, static_cast<int>(fan_in), 0.0f, gw,
                static_cast<int>(fan_in));
    for (size_t r = 0; r < n; ++r) {
      const float* row = delta_.data() + r * fan_out;
      for (size_t k = 0; k < fan_out; ++k) gb[k] += row[k];
    }
    if (l == 0) break;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n),
                static_cast<int>(fan_in), static_cast<int>(fan_out), 1.0f, delta_.data(),
                static_cast<int>(fan_out), p.data() + model.weight_offset(l),
                static_cast<int>(fan_in), 0.0f, delta_next_.data(), static_cast<int>(fan_in));
    // Through the previous layer's dropout and ReLU: its stored output is 0 where either cut.
    const float* a = activations_[l - 1].data();
    const float* mask = masks_[l - 1].data();
    for (size_t k = 0; k < n * fan_in; ++k) {
      delta_next_[k] = a[k] > 0.0f ? delta_next_[k] * (dropout > 0.0 ? mask[k] : 1.0f) : 0.0f;
    }
    std::swap(delta_, delta_next_);
  }
  return loss;
}

namespace {
// The AdamW loop over every parameter, run after each minibatch: compiled for AVX2 and for the
// baseline, chosen at load time (the build targets the baseline x86-64).
__attribute__((target_clones("avx2", "default"))) void adamw_loop(float* p, const float* g,
                                                                  float* m, float* v, size_t n,
                                                                  float decay, float step_size,
                                                                  float inverse_root_correction2,
                                                                  float b1, float b2, float eps) {
  for (size_t k = 0; k < n; ++k) {
    p[k] *= decay;
    m[k] = b1 * m[k] + (1.0f - b1) * g[k];
    v[k] = b2 * v[k] + (1.0f - b2) * g[k] * g[k];
    p[k] -= step_size * m[k] / (std::sqrt(v[k]) * inverse_root_correction2 + eps);
  }
}
}  // namespace

void AdamW::update(std::vector<float>& parameters, const std::vector<float>& gradient) {
  if (m.empty()) {
    m.assign(parameters.size(), 0.0f);
    v.assign(parameters.size(), 0.0f);
  }
  ++step;
  const double correction1 = 1.0 - std::pow(beta1, static_cast<double>(step));
  const double correction2 = 1.0 - std::pow(beta2, static_cast<double>(step));
  const auto decay = static_cast<float>(1.0 - learning_rate * weight_decay);
  const auto step_size = static_cast<float>(learning_rate / correction1);
  const auto inverse_root_correction2 = static_cast<float>(1.0 / std::sqrt(correction2));
  adamw_loop(parameters.data(), gradient.data(), m.data(), v.data(), parameters.size(), decay,
             step_size, inverse_root_correction2, static_cast<float>(beta1),
             static_cast<float>(beta2), static_cast<float>(epsilon));
}

PairDataset make_pair_dataset(const rank::FeatureData& data) {
  PairDataset d;
  d.dim = data.table.dim;
  d.rows.assign(data.table.values.begin(), data.table.values.end());
  for (const rank::FeatureComparison& c : data.comparisons) {
    d.row_a.push_back(c.row_a);
    d.row_b.push_back(c.row_b);
    d.outcome.push_back(static_cast<float>(c.outcome));
    d.weight.push_back(static_cast<float>(c.weight));
  }
  return d;
}

void check_mlp_options(const MlpOptions& o) {
  if (o.hidden.empty()) fail("MLP reward model: no hidden layer; give at least one width");
  if (!(o.dropout >= 0.0 && o.dropout < 1.0)) fail("MLP dropout {} must be in [0, 1)", o.dropout);
  if (!(o.learning_rate > 0.0)) fail("MLP learning rate {} must be > 0", o.learning_rate);
  if (!(o.weight_decay >= 0.0)) fail("MLP weight decay {} must be >= 0", o.weight_decay);
  if (o.batch_size == 0) fail("MLP batch size must be >= 1");
  if (o.max_epochs < 1) fail("MLP epochs {} must be >= 1", o.max_epochs);
  if (!(o.validation_fraction >= 0.0 && o.validation_fraction < 1.0)) {
    fail("MLP validation fraction {} must be in [0, 1)", o.validation_fraction);
  }
  if (o.patience < 1) fail("MLP patience {} must be >= 1", o.patience);
}

namespace {

// One routine for both directions of MlpTrainState's serialisation.
struct Writer {
  ByteWriter out;
  template <typename T>
  void scalar(const T& v) {
    out.put(v);
  }
  template <typename T>
  void array(const std::vector<T>& v) {
    out.put_array(std::span<const T>(v));
  }
  void string(const std::string& s) { out.put_string(s); }
};
struct Reader {
  ByteReader in;
  template <typename T>
  void scalar(T& v) {
    v = in.get<T>();
  }
  template <typename T>
  void array(std::vector<T>& v) {
    v = in.get_array<T>();
  }
  void string(std::string& s) { s = in.get_string(); }
};

template <typename Io, typename State>
void transfer(Io& io, State& s) {
  constexpr uint32_t kVersion = 1;
  uint32_t version = kVersion;
  io.scalar(version);
  if (version != kVersion)
    fail("MLP training state version {}; this build reads {}", version, kVersion);
  for (auto* model : {&s.model, &s.best}) {
    uint64_t input_dim = model->input_dim();
    std::vector<uint64_t> hidden(model->hidden().begin(), model->hidden().end());
    io.scalar(input_dim);
    io.array(hidden);
    if constexpr (std::is_same_v<Io, Reader>) {
      *model = MlpReward(input_dim, std::vector<size_t>(hidden.begin(), hidden.end()));
    }
    std::vector<float> parameters = model->parameters();
    io.array(parameters);
    if (parameters.size() != model->parameters().size())
      fail("MLP training state: parameter count");
    model->parameters() = parameters;
  }
  io.array(s.optimiser.m);
  io.array(s.optimiser.v);
  io.scalar(s.optimiser.step);
  std::string rng = s.rng.save_state();
  io.string(rng);
  if constexpr (std::is_same_v<Io, Reader>) s.rng.load_state(rng);
  io.array(s.train);
  io.array(s.validation);
  io.scalar(s.epoch);
  io.scalar(s.epochs_since_best);
  io.scalar(s.best_loss);
  io.scalar(s.finished);
}

}  // namespace

std::string MlpTrainState::save() const {
  Writer w;
  transfer(w, const_cast<MlpTrainState&>(*this));
  return w.out.take();
}

MlpTrainState MlpTrainState::load(const std::string& bytes, const std::string& label) {
  Reader r{ByteReader(bytes, label)};
  MlpTrainState s;
  transfer(r, s);
  r.in.expect_done();
  return s;
}

double mean_pair_loss(const MlpReward& model, const PairDataset& data,
                      const std::vector<uint32_t>& indices) {
  const size_t count = indices.empty() ? data.size() : indices.size();
  std::vector<float> x(2 * kScoreChunk * data.dim), r(2 * kScoreChunk);
  double loss = 0.0, total_weight = 0.0;
  for (size_t start = 0; start < count; start += kScoreChunk) {
    const size_t rows = std::min(kScoreChunk, count - start);
    for (size_t i = 0; i < rows; ++i) {
      const size_t c = indices.empty() ? start + i : indices[start + i];
      std::copy_n(&data.rows[static_cast<size_t>(data.row_a[c]) * data.dim], data.dim,
                  &x[i * data.dim]);
      std::copy_n(&data.rows[static_cast<size_t>(data.row_b[c]) * data.dim], data.dim,
                  &x[(rows + i) * data.dim]);
    }
    model.rewards(x.data(), 2 * rows, r.data());
    for (size_t i = 0; i < rows; ++i) {
      const size_t c = indices.empty() ? start + i : indices[start + i];
      const float margin = r[i] - r[rows + i];
      loss += data.weight[c] *
              (data.outcome[c] * softplus(-margin) + (1.0f - data.outcome[c]) * softplus(margin));
      total_weight += data.weight[c];
    }
  }
  return loss / total_weight;
}

MlpTrainState start_mlp_training(const PairDataset& data, const MlpOptions& options) {
  check_mlp_options(options);
  if (data.size() == 0) fail("MLP reward model: no comparisons to train on");
  MlpTrainState s;
  s.rng = Rng(options.seed);
  s.model = MlpReward(data.dim, options.hidden);
  s.model.initialise(s.rng);
  s.best = s.model;
  s.optimiser.learning_rate = options.learning_rate;
  s.optimiser.weight_decay = options.weight_decay;
  std::vector<uint32_t> order(data.size());
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), s.rng);
  const auto held_out =
      static_cast<size_t>(options.validation_fraction * static_cast<double>(data.size()));
  if (options.validation_fraction > 0.0 && (held_out == 0 || held_out == data.size())) {
    fail(
        "MLP validation fraction {} of {} comparisons leaves {} for validation; need at least one "
        "comparison on each side",
        options.validation_fraction, data.size(), held_out);
  }
  s.validation.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(held_out));
  s.train.assign(order.begin() + static_cast<std::ptrdiff_t>(held_out), order.end());
  if (options.bootstrap) {
    std::vector<uint32_t> resample(s.train.size());
    for (auto& r : resample) r = s.train[s.rng.below(s.train.size())];
    s.train = std::move(resample);
  }
  s.best_loss = std::numeric_limits<double>::infinity();
  return s;
}

bool continue_mlp_training(MlpTrainState& s, const PairDataset& data, const MlpOptions& options,
                           const std::function<void(const EpochReport&)>& on_epoch,
                           const std::atomic<bool>* stop) {
  check_mlp_options(options);
  const size_t dim = data.dim;
  const size_t batch_size = std::min(options.batch_size, s.train.size());
  MlpGradient workspace(s.model, batch_size);
  std::vector<float> x(2 * batch_size * dim), outcome(batch_size), weight(batch_size), gradient;
  while (!s.finished) {
    MlpTrainState saved;
    if (stop != nullptr) saved = s;  // an interrupted epoch is discarded
    std::vector<uint32_t> order = s.train;
    std::shuffle(order.begin(), order.end(), s.rng);
    double loss_sum = 0.0;
    size_t batches = 0;
    for (size_t start = 0; start < order.size(); start += batch_size) {
      if (stop != nullptr && stop->load()) {
        s = std::move(saved);
        return false;
      }
      const size_t b = std::min(batch_size, order.size() - start);
      for (size_t i = 0; i < b; ++i) {
        const uint32_t c = order[start + i];
        std::copy_n(&data.rows[static_cast<size_t>(data.row_a[c]) * dim], dim, &x[i * dim]);
        std::copy_n(&data.rows[static_cast<size_t>(data.row_b[c]) * dim], dim, &x[(b + i) * dim]);
        outcome[i] = data.outcome[c];
        weight[i] = data.weight[c];
      }
      loss_sum += workspace.loss_and_gradient(s.model, x.data(), outcome.data(), weight.data(), b,
                                              options.dropout, &s.rng, gradient);
      s.optimiser.update(s.model.parameters(), gradient);
      ++batches;
    }
    ++s.epoch;
    EpochReport report;
    report.epoch = s.epoch;
    report.train_loss = loss_sum / static_cast<double>(batches);
    if (s.validation.empty()) {
      report.validation_loss = std::numeric_limits<double>::quiet_NaN();
      s.best = s.model;
      report.improved = true;
      s.finished = s.epoch >= options.max_epochs;
    } else {
      report.validation_loss = mean_pair_loss(s.model, data, s.validation);
      report.improved = report.validation_loss < s.best_loss;
      if (report.improved) {
        s.best_loss = report.validation_loss;
        s.best = s.model;
        s.epochs_since_best = 0;
      } else {
        ++s.epochs_since_best;
      }
      s.finished = s.epoch >= options.max_epochs || s.epochs_since_best >= options.patience;
    }
    if (on_epoch) on_epoch(report);
  }
  return true;
}

MlpReward train_mlp_reward(const PairDataset& data, const MlpOptions& options,
                           const std::function<void(const EpochReport&)>& on_epoch) {
  MlpTrainState state = start_mlp_training(data, options);
  continue_mlp_training(state, data, options, on_epoch);
  return state.best;
}

}  // namespace valor::reward
