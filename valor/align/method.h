// The interface of the lab's training methods and their registry (docs/align.md). A method turns
// preferences or a reward into gradient steps on the policy's log-probabilities; every method
// lives in its own file (dpo.cc, ipo.cc, rlhf.cc, grpo.cc, nash_md.cc, spo.cc; the online ones
// share online.h) with its formula and its source cited.
//
// Each method has two forms:
// - step(): one stochastic step on a minibatch - offline methods draw pairs from the preference
//   data, online methods sample responses from the policy and score them with the reward;
// - exact_loss(): the population loss as a function of every response's log pi(y|x), with its
//   derivative per response, for the exactness tests on enumerable tasks (the trainer turns the
//   derivative into a parameter gradient through ExactDistribution::backward).
// Notation as docs/algorithms.md section 7: h(x, y_w, y_l) = [log pi(y_w|x) - log pi_ref(y_w|x)] -
// [log pi(y_l|x) - log pi_ref(y_l|x)].
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "valor/align/policy.h"
#include "valor/align/preferences.h"
#include "valor/align/task.h"

namespace valor::align {

// Every method's knobs; each method reads the ones it names in its file and check_method_options
// validates those.
struct MethodOptions {
  double beta = 0.1;             // KL strength (dpo, cdpo, rloo, ppo, grpo, nash_md, spo)
  double tau = 0.1;              // ipo's regularisation, target margin 1 / (2 tau)
  double label_smoothing = 0.1;  // cdpo's eps in [0, 0.5)
  size_t batch_size = 64;        // pairs per step (offline) or prompts per step (online)
  size_t group_size = 4;         // responses per prompt (rloo, ppo, grpo, nash_md, spo; >= 2)
  double clip = 0.2;             // ppo and grpo: ratio clipped to [1 - clip, 1 + clip]
  int update_epochs = 4;         // ppo and grpo: gradient steps on each sampled batch
  double mixture = 0.125;        // nash_md: the weight b of pi_ref in pi_mu ~ pi^(1-b) pi_ref^b
};

// What a step sees. `reference` is pi_ref (frozen; evaluating it is not const), `preferences`
// is set for offline methods and `reward` for online ones (the proxy they maximise; Nash-MD and
// SPO use it as the Bradley-Terry preference model P(y > y') = sigma(r(y) - r(y'))).
struct StepContext {
  const Task& task;
  Policy& policy;
  Policy& reference;
  const PreferenceData* preferences = nullptr;
  const RewardFunction* reward = nullptr;
  const MethodOptions& options;
  Rng& rng;
};

// The population form's inputs, all P x N in sequence_index order: log pi, log pi_ref, and the
// reward r(x, y). Offline methods read the preferences as the Bradley-Terry population on `reward`:
// pairs (y, y') drawn from pi_ref x pi_ref, P(y > y') = sigma(r(y) - r(y')); online methods
// maximise `reward`. Prompts are uniform.
struct ExactContext {
  SequenceShape shape;
  std::span<const double> log_pi, log_ref, reward;
  const MethodOptions& options;
};

class Method {
 public:
  virtual ~Method() = default;
  virtual std::string_view name() const = 0;
  // Adds the gradient of the minibatch loss to `gradient` (sized to the parameters and zeroed by
  // the caller) and returns the loss.
  virtual double step(StepContext& context, std::vector<float>& gradient) = 0;
  // The population loss; coef (resized to P N) receives dL / d log pi(y|x). valor::Error for a
  // method without one.
  virtual double exact_loss(const ExactContext& context, std::vector<double>& coef) const;
};

struct MethodInfo {
  std::string_view name;
  bool offline;  // learns from preference pairs (else samples from the policy and a reward)
  std::string_view description;
  std::unique_ptr<Method> (*make)();
};
std::span<const MethodInfo> methods();
// "dpo, cdpo, ipo, ...".
std::string method_names();
// valor::Error naming the accepted methods for an unknown name.
const MethodInfo& find_method(std::string_view name);
// valor::Error naming the first option `method` uses that is out of range.
void check_method_options(std::string_view method, const MethodOptions& options);

// Helpers for the methods' files.
// The minibatch of `count` pair indices drawn uniformly with replacement.
std::vector<size_t> draw_pairs(size_t pairs, size_t count, Rng& rng);
// log sigma(z) and its derivative sigma(-z), without overflow.
double log_sigmoid(double z);
double sigmoid(double z);

}  // namespace valor::align
