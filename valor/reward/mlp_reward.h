// MLP reward models learnt from pairwise comparisons (docs/reward.md): a scalar reward r(x) from
// a ReLU multilayer perceptron, trained on the Bradley-Terry loss of each comparison's pair of
// feature vectors,
//   loss = (1/B) sum_i w_i [o_i softplus(-(r(a_i) - r(b_i))) + (1 - o_i) softplus(r(a_i) -
//   r(b_i))],
// as TRL's RewardTrainer (-log sigma(r_chosen - r_rejected)) with soft labels and weights.
// Forward and backward are written by hand over cblas_sgemm (float32): LibTorch's per-operator
// overhead dominates the small matrices of a reward MLP (bench/reward_bench.cc), and
// mlp_reward_test.cc holds the gradients and the AdamW step equal to LibTorch's autograd and
// torch::optim::AdamW.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "valor/core/random.h"
#include "valor/rank/features.h"

namespace valor::reward {

// The network: hidden ReLU layers of the given widths, then one linear output unit. Parameters
// are one float array: for each layer l, its weight W_l (out x in, row-major, as torch.nn.Linear
// stores it) then its bias b_l.
class MlpReward {
 public:
  MlpReward() = default;
  // valor::Error for input_dim 0 or a hidden width 0.
  MlpReward(size_t input_dim, std::vector<size_t> hidden);

  // torch.nn.Linear's default initialisation: weights and biases uniform in
  // [-1/sqrt(in), 1/sqrt(in)], drawn from `rng` layer by layer.
  void initialise(Rng& rng);

  size_t input_dim() const { return input_dim_; }
  const std::vector<size_t>& hidden() const { return hidden_; }
  size_t num_layers() const { return hidden_.size() + 1; }
  size_t layer_inputs(size_t l) const { return l == 0 ? input_dim_ : hidden_[l - 1]; }
  size_t layer_outputs(size_t l) const { return l < hidden_.size() ? hidden_[l] : 1; }
  size_t weight_offset(size_t l) const { return offsets_[l]; }
  size_t bias_offset(size_t l) const { return offsets_[l] + layer_inputs(l) * layer_outputs(l); }
  std::vector<float>& parameters() { return parameters_; }
  const std::vector<float>& parameters() const { return parameters_; }

  // r for `n` rows of `x` (n x input_dim, row-major) into `out`, in chunks of 1024 rows.
  void rewards(const float* x, size_t n, float* out) const;

 private:
  size_t input_dim_ = 0;
  std::vector<size_t> hidden_;
  std::vector<size_t> offsets_;
  std::vector<float> parameters_;
};

// Preallocated buffers for minibatch gradients of one network shape (no allocation per step).
class MlpGradient {
 public:
  MlpGradient(const MlpReward& model, size_t max_batch);

  // The loss above for a batch of `batch` pairs and its gradient into `gradient` (resized to the
  // parameter count). `x` holds 2 * batch rows: the a sides, then the b sides. With dropout > 0,
  // inverted dropout on every hidden layer's output, the masks drawn from `rng` (not null then).
  double loss_and_gradient(const MlpReward& model, const float* x, const float* outcome,
                           const float* weight, size_t batch, double dropout, Rng* rng,
                           std::vector<float>& gradient);
  // The dropout multipliers (0 or 1 / (1 - dropout)) of hidden layer l drawn by the last call,
  // 2 * batch x width (for tests).
  const std::vector<float>& dropout_mask(size_t l) const { return masks_[l]; }

 private:
  size_t max_batch_;
  std::vector<std::vector<float>> activations_;  // per layer output, 2 * max_batch x width
  std::vector<std::vector<float>> masks_;        // dropout multipliers per hidden layer
  std::vector<float> delta_, delta_next_, rewards_;
};

// torch.optim.AdamW: decoupled weight decay p -= lr wd p, then Adam with bias correction.
struct AdamW {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weight_decay = 0.0;
  std::vector<float> m, v;
  int64_t step = 0;
  void update(std::vector<float>& parameters, const std::vector<float>& gradient);
};

// Comparisons with float features, as training reads them.
struct PairDataset {
  size_t dim = 0;
  std::vector<float> rows;  // FeatureData::table, converted
  std::vector<int64_t> row_a, row_b;
  std::vector<float> outcome, weight;
  size_t size() const { return outcome.size(); }
};
PairDataset make_pair_dataset(const rank::FeatureData& data);

struct MlpOptions {
  std::vector<size_t> hidden = {64, 64};
  double dropout = 0.0;  // in [0, 1)
  double learning_rate = 1e-3;
  double weight_decay = 0.0;  // AdamW's decoupled decay, >= 0
  size_t batch_size = 64;
  int max_epochs = 20;
  // Early stopping: this fraction of the comparisons (drawn by the seed) is held out; after each
  // epoch its loss is computed, training stops after `patience` epochs without a lower one, and
  // the parameters of the best epoch are kept. 0: no validation split, max_epochs epochs.
  double validation_fraction = 0.1;
  int patience = 3;
  uint64_t seed = 0;
  // Trains on a bootstrap resample (with replacement) of the training comparisons.
  bool bootstrap = false;
};

// valor::Error naming the option and the accepted values for a bad option.
void check_mlp_options(const MlpOptions& options);

struct EpochReport {
  int epoch = 0;  // 1-based
  double train_loss = 0.0;
  double validation_loss = 0.0;  // NaN without a validation split
  bool improved = false;
};

// Everything training needs to continue after an interruption; save/load are one routine.
struct MlpTrainState {
  MlpReward model, best;
  AdamW optimiser;
  Rng rng{0};
  std::vector<uint32_t> train, validation;  // comparison indices
  int epoch = 0;
  int epochs_since_best = 0;
  double best_loss = 0.0;
  bool finished = false;
  std::string save() const;
  static MlpTrainState load(const std::string& bytes, const std::string& label);
};

MlpTrainState start_mlp_training(const PairDataset& data, const MlpOptions& options);
// Trains epoch by epoch until finished (max_epochs or early stop; `best` then holds the model)
// or until *stop is set (checked between minibatches; the partial epoch is discarded: the state
// stays at the end of the last whole epoch). Returns whether training finished.
bool continue_mlp_training(MlpTrainState& state, const PairDataset& data, const MlpOptions& options,
                           const std::function<void(const EpochReport&)>& on_epoch = {},
                           const std::atomic<bool>* stop = nullptr);
// start + continue, for callers that need no resume.
MlpReward train_mlp_reward(const PairDataset& data, const MlpOptions& options,
                           const std::function<void(const EpochReport&)>& on_epoch = {});

// The mean loss (weighted) of `model` on the comparisons `indices` (all when empty).
double mean_pair_loss(const MlpReward& model, const PairDataset& data,
                      const std::vector<uint32_t>& indices = {});

}  // namespace valor::reward
