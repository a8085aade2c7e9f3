#include "valor/align/method.h"

#include <cmath>

#include "valor/core/error.h"

namespace valor::align {

std::unique_ptr<Method> make_dpo();
std::unique_ptr<Method> make_cdpo();
std::unique_ptr<Method> make_ipo();
std::unique_ptr<Method> make_rloo();
std::unique_ptr<Method> make_ppo();
std::unique_ptr<Method> make_grpo();
std::unique_ptr<Method> make_nash_md();
std::unique_ptr<Method> make_spo();

namespace {
// One entry per method file; the order is the order of `valor align methods`.
const MethodInfo kMethods[] = {
    {"dpo", true, "Direct Preference Optimization: -log sigma(beta h)", make_dpo},
    {"cdpo", true, "conservative DPO: DPO with labels smoothed by label_smoothing", make_cdpo},
    {"ipo", true, "Identity Preference Optimisation: (h - 1/(2 tau))^2", make_ipo},
    {"rloo", false,
     "REINFORCE leave-one-out on r - beta log(pi/pi_ref), group_size samples per prompt",
     make_rloo},
    {"ppo", false,
     "PPO clipped surrogate on r - beta log(pi/pi_ref), leave-one-out baseline (no critic)",
     make_ppo},
    {"grpo", false,
     "GRPO: group-normalised advantages, clipped surrogate, beta times the k3 KL estimate",
     make_grpo},
    {"nash_md", false,
     "Nash-MD: policy gradient on P(y > y'), y' from pi^(1-mixture) pi_ref^mixture, minus beta KL",
     make_nash_md},
    {"spo", false, "self-play preference optimisation: win rate within the group, minus beta KL",
     make_spo},
};
}  // namespace

double Method::exact_loss(const ExactContext&, std::vector<double>&) const {
  fail("method {} has no exact (population) form; train it with exact = false", name());
}

std::span<const MethodInfo> methods() { return kMethods; }

std::string method_names() {
  std::string names;
  for (const MethodInfo& m : kMethods) names += (names.empty() ? "" : ", ") + std::string(m.name);
  return names;
}

const MethodInfo& find_method(std::string_view name) {
  for (const MethodInfo& m : kMethods) {
    if (m.name == name) return m;
  }
  fail("unknown method '{}'; accepted: {}", name, method_names());
}

void check_method_options(std::string_view method, const MethodOptions& o) {
  find_method(method);
  auto positive = [](const char* key, double value) {
    if (!(value > 0.0) || !std::isfinite(value))
      fail("{} = {}: accepted a finite number > 0", key, value);
  };
  if (method == "ipo") {
    positive("tau", o.tau);
  } else {
    positive("beta", o.beta);
  }
  if (method == "cdpo" && !(o.label_smoothing >= 0.0 && o.label_smoothing < 0.5)) {
    fail("label_smoothing = {}: accepted [0, 0.5)", o.label_smoothing);
  }
  if (o.batch_size < 1) fail("batch_size = 0: accepted >= 1");
  if (o.group_size < 2) fail("group_size = {}: accepted >= 2", o.group_size);
  if (!(o.clip > 0.0 && o.clip < 1.0)) fail("clip = {}: accepted (0, 1)", o.clip);
  if (o.update_epochs < 1) fail("update_epochs = {}: accepted >= 1", o.update_epochs);
  if (!(o.mixture >= 0.0 && o.mixture <= 1.0)) fail("mixture = {}: accepted [0, 1]", o.mixture);
}

std::vector<size_t> draw_pairs(size_t pairs, size_t count, Rng& rng) {
  std::vector<size_t> out(count);
  for (auto& i : out) i = static_cast<size_t>(rng.below(pairs));
  return out;
}

double log_sigmoid(double z) {
  return z >= 0.0 ? -std::log1p(std::exp(-z)) : z - std::log1p(std::exp(z));
}

double sigmoid(double z) {
  if (z >= 0.0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

}  // namespace valor::align
