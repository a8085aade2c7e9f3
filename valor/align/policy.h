// Autoregressive policies over token sequences for the preference-optimisation lab
// (docs/align.md). A response y = (y_0, ..., y_{L-1}) to prompt x in {0, ..., P-1} has tokens in
// {0, ..., V-1} and
//   log pi(y | x) = sum_t log softmax(f(x, t, y_<t))[y_t],
// where f gives the V next-token logits of a *node* (prompt, position, prefix). Every method of
// the lab is written against the node logits and their gradient, so a policy is only these two
// functions:
// - MlpPolicy: a ReLU network over the one-hot features of the node (prompt, position, and each
//   prefix token at its position), forward and backward by hand over cblas_sgemm (float32), as
//   the reward module's MLP (policy_test.cc holds the gradient equal to LibTorch's autograd);
// - TabularPolicy: one free logit vector per node, so it can represent every distribution over
//   sequences (the exactness tests need that; a network only approximates).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "valor/core/random.h"

namespace valor::align {

// Sizes of a task: P prompts, vocabulary V, responses of exactly L tokens.
struct SequenceShape {
  int prompts = 0;
  int vocab = 0;
  int length = 0;
  // V^L, or 0 when it overflows 2^62.
  uint64_t num_sequences() const;
  // Nodes per prompt: sum_{t < L} V^t (every prefix that is followed by a token).
  uint64_t num_prefixes() const;
  // The index of the level-t prefix tokens[0..t) among the level's prefixes (base V, first
  // token most significant), and the node index within a prompt: sum_{s < t} V^s + that.
  uint64_t prefix_node(const uint8_t* tokens, int t) const;
};
// valor::Error unless prompts >= 1, 2 <= vocab <= 255, length >= 1.
void check_shape(const SequenceShape& shape);

// A batch of nodes: node i is prompt prompts[i] at position positions[i], with the prefix
// tokens[i * L, i * L + positions[i]) (later entries of the row are ignored).
struct NodeBatch {
  std::span<const int32_t> prompts;
  std::span<const int32_t> positions;
  std::span<const uint8_t> tokens;  // size() * L
  size_t size() const { return prompts.size(); }
};

// Every node of every prompt: prompt-major, then level by level (position t), each level's
// prefixes in base-V order, so node x num_prefixes() + prefix_node(tokens, t) of the task.
struct PrefixNodes {
  size_t length = 0;
  std::vector<int32_t> prompts, positions;
  std::vector<uint8_t> tokens;
  NodeBatch batch() const { return NodeBatch{prompts, positions, tokens}; }
};
PrefixNodes all_prefix_nodes(const SequenceShape& shape);

class Policy {
 public:
  explicit Policy(SequenceShape shape) : shape_(shape) {}
  virtual ~Policy() = default;
  const SequenceShape& shape() const { return shape_; }
  virtual std::unique_ptr<Policy> clone() const = 0;
  virtual std::string kind() const = 0;  // "mlp" or "tabular"
  std::vector<float>& parameters() { return parameters_; }
  const std::vector<float>& parameters() const { return parameters_; }

  // The V logits of each node into out (nodes.size() x V, row-major). Not thread-safe: a policy
  // keeps the activations of its last call for backward().
  virtual void logits(const NodeBatch& nodes, float* out) = 0;
  // Adds sum_{i,k} dlogits[i V + k] d logit_ik / d theta to gradient (parameters().size()), for
  // the nodes of the immediately preceding logits() call.
  virtual void backward(const NodeBatch& nodes, const float* dlogits, float* gradient) = 0;

 protected:
  SequenceShape shape_;
  std::vector<float> parameters_;
};

class MlpPolicy final : public Policy {
 public:
  // Input features: P (prompt) + L (position) + L V (prefix token s at position s); hidden ReLU
  // layers of the given widths (none: logits linear in the features); V outputs. Parameters: the
  // first layer's weights stored feature by feature (features x width, so that a one-hot input is
  // a sum of rows), its bias, then each later layer's W (out x in, row-major) and bias.
  MlpPolicy(SequenceShape shape, std::vector<size_t> hidden);
  // torch.nn.Linear's default: weights and biases uniform in [-1/sqrt(in), 1/sqrt(in)].
  void initialise(Rng& rng);
  std::unique_ptr<Policy> clone() const override { return std::make_unique<MlpPolicy>(*this); }
  std::string kind() const override { return "mlp"; }
  const std::vector<size_t>& hidden() const { return hidden_; }
  size_t num_features() const;
  size_t num_layers() const { return hidden_.size() + 1; }
  size_t layer_inputs(size_t l) const;
  size_t layer_outputs(size_t l) const;
  size_t weight_offset(size_t l) const { return offsets_[l]; }
  size_t bias_offset(size_t l) const { return offsets_[l] + layer_inputs(l) * layer_outputs(l); }
  // The active features of a node (its prompt, position and prefix tokens), for tests.
  std::vector<size_t> active_features(const NodeBatch& nodes, size_t i) const;

  void logits(const NodeBatch& nodes, float* out) override;
  void backward(const NodeBatch& nodes, const float* dlogits, float* gradient) override;

 private:
  std::vector<size_t> hidden_;
  std::vector<size_t> offsets_;
  std::vector<std::vector<float>> activations_;  // hidden layer outputs of the last logits()
  std::vector<float> delta_, delta_next_;
};

class TabularPolicy final : public Policy {
 public:
  // Logits 0: the uniform distribution.
  explicit TabularPolicy(SequenceShape shape);
  // The same distribution as `policy` (its log-softmax at every node). Needs num_prefixes() P V
  // parameters; valor::Error above kMaxTabularParameters.
  static TabularPolicy copy_of(Policy& policy);
  static constexpr uint64_t kMaxTabularParameters = uint64_t{1} << 26;
  std::unique_ptr<Policy> clone() const override { return std::make_unique<TabularPolicy>(*this); }
  std::string kind() const override { return "tabular"; }
  void logits(const NodeBatch& nodes, float* out) override;
  void backward(const NodeBatch& nodes, const float* dlogits, float* gradient) override;

 private:
  uint64_t row(const NodeBatch& nodes, size_t i) const;
};

// log pi of each token of n sequences, and the gradient of weighted sums of them. Buffers are
// reused between calls (no allocation once the batch size has been seen).
class SequenceBatch {
 public:
  // Evaluates `policy` at the n L nodes of the sequences tokens[i L, (i + 1) L) for prompts[i].
  void evaluate(Policy& policy, std::span<const int32_t> prompts, std::span<const uint8_t> tokens);
  size_t size() const { return prompts_.size(); }
  // log pi(y_it | x_i, y_i<t), n x L.
  const std::vector<float>& token_log_probs() const { return token_log_probs_; }
  double sequence_log_prob(size_t i) const;
  // Adds the gradient of sum_{i,t} coef[i L + t] log pi(y_it | ...) to gradient; the policy's
  // last logits() call must be this batch's evaluate().
  void backward(Policy& policy, std::span<const float> coef, std::vector<float>& gradient);

 private:
  int length_ = 0, vocab_ = 0;
  std::vector<int32_t> prompts_, node_prompts_, node_positions_;
  std::vector<uint8_t> node_tokens_;
  std::vector<float> logits_;  // then softmax, n L x V
  std::vector<float> token_log_probs_;
  std::vector<float> dlogits_;
};

// Draws a response for each prompts[i] from `policy`, token by token, into tokens (n x L).
void sample_sequences(Policy& policy, std::span<const int32_t> prompts, Rng& rng,
                      std::vector<uint8_t>& tokens);

}  // namespace valor::align
