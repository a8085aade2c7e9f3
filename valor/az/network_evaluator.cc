#include "valor/az/network_evaluator.h"

#include "valor/core/error.h"

namespace valor::az {

void encode_states(std::span<const game::State* const> states, int observation_size,
                   int num_actions, std::vector<float>& obs, std::vector<uint8_t>& legal) {
  const size_t n = static_cast<size_t>(observation_size);
  const size_t a = static_cast<size_t>(num_actions);
  obs.resize(states.size() * n);
  legal.assign(states.size() * a, 0);
  std::vector<game::Action> actions;
  for (size_t i = 0; i < states.size(); ++i) {
    const game::State& s = *states[i];
    VALOR_CHECK(
        s.observation_shape().size() == observation_size && s.num_distinct_actions() == num_actions,
        "the network was built for another game than {}", s.game_name());
    s.observation(std::span<float>(obs.data() + i * n, n));
    s.legal_actions(actions);
    for (game::Action act : actions) legal[i * a + static_cast<size_t>(act)] = 1;
  }
}

NetworkEvaluator::NetworkEvaluator(PolicyValueNet network) : network_(std::move(network)) {}

void NetworkEvaluator::evaluate(std::span<const game::State* const> states,
                                std::span<game::Evaluation> out) {
  VALOR_CHECK(out.size() == states.size());
  if (states.empty()) return;
  const NetworkSpec& spec = network_->spec();
  const int64_t b = static_cast<int64_t>(states.size());
  encode_states(states, spec.observation.size(), spec.num_actions, obs_, legal_);
  torch::NoGradGuard no_grad;
  const bool was_training = network_->is_training();
  network_->eval();
  const torch::Tensor obs = torch::from_blob(obs_.data(), {b, spec.observation.size()});
  const torch::Tensor legal =
      torch::from_blob(legal_.data(), {b, spec.num_actions}, torch::kUInt8).to(torch::kBool);
  const NetworkOutput o = network_->forward(obs, legal);
  const torch::Tensor priors = torch::softmax(o.policy_logits, 1).contiguous();
  const torch::Tensor values = network_->value(o.value_out).contiguous();
  if (was_training) network_->train();
  const float* p = priors.data_ptr<float>();
  const float* v = values.data_ptr<float>();
  const size_t a = static_cast<size_t>(spec.num_actions);
  for (size_t i = 0; i < states.size(); ++i) {
    game::Evaluation& e = out[i];
    e.priors.assign(p + i * a, p + (i + 1) * a);
    // Exactly 0 off the legal actions (exp of kMaskedLogit underflows, but say so explicitly).
    for (size_t j = 0; j < a; ++j) {
      if (!legal_[i * a + j]) e.priors[j] = 0.0f;
    }
    e.value = v[i];
  }
}

}  // namespace valor::az
