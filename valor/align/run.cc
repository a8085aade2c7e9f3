#include "valor/align/run.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

#include "valor/align/best_of_n.h"
#include "valor/align/exact.h"
#include "valor/align/preference_file.h"
#include "valor/core/progress.h"
#include "valor/reward/ensemble.h"
#include "valor/run/metrics.h"

namespace valor::align {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

nlohmann::json metrics_json(double gold, double proxy, double kl) {
  return {{"gold", number(gold)},
          {"proxy", number(proxy)},
          {"kl", number(kl)},
          {"sqrt_kl", number(std::sqrt(std::max(kl, 0.0)))}};
}

}  // namespace

nlohmann::json run_align(const AlignRunSpec& spec, const run::RunDir& dir, std::FILE* progress,
                         double progress_seconds) {
  auto& log = *dir.logger();
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json summary;
  summary["method"] = spec.train.method;

  auto phase = std::chrono::steady_clock::now();
  const Task task(spec.task);
  summary["seconds"]["task"] = seconds_since(phase);
  log.info("task: {} prompts, vocab {}, length {}; pi_ref pretrained to {:.4f} nats/token",
           spec.task.shape.prompts, spec.task.shape.vocab, spec.task.shape.length,
           task.pretrain_loss());
  summary["pi_ref_pretrain_loss"] = task.pretrain_loss();

  phase = std::chrono::steady_clock::now();
  const PreferenceData data = spec.data_file.empty()
                                  ? make_preferences(task, spec.data)
                                  : read_preferences_jsonl(spec.data_file, task.shape());
  summary["pairs"] = data.size();
  summary["seconds"]["data"] = seconds_since(phase);

  phase = std::chrono::steady_clock::now();
  std::optional<ProxyReward> proxy;
  if (spec.proxy.kind == "mlp") {
    const reward::PairDataset pairs = pair_dataset(task, data);
    std::vector<reward::MlpReward> members =
        reward::train_mlp_ensemble(pairs, spec.proxy.mlp, spec.proxy.members);
    proxy.emplace(task, std::move(members), spec.proxy.rule, spec.proxy.lambda);
    log.info("proxy: {} MLP member(s) on {} pairs, rule {}", spec.proxy.members, data.size(),
             reward::ensemble_rule_name(spec.proxy.rule));
  }
  summary["seconds"]["proxy"] = seconds_since(phase);
  const RewardFunction* proxy_reward = proxy ? &*proxy : nullptr;

  phase = std::chrono::steady_clock::now();
  Evaluator evaluator(task, proxy_reward, spec.train.eval_samples, spec.seed);
  MlpPolicy reference = task.reference();
  const Metrics at_reference = evaluator.evaluate(reference);
  summary["pi_ref"] = metrics_json(at_reference.gold, at_reference.proxy, at_reference.kl);

  if (spec.train.method == "bon") {
    auto writer =
        run::MetricsWriter::create(dir.metrics_path(), {"n", "gold", "proxy", "kl", "sqrt_kl"});
    const GoldReward gold(task);
    const RewardFunction& scorer = proxy_reward != nullptr ? *proxy_reward : gold;
    const std::vector<double>& score_table =
        proxy_reward != nullptr ? evaluator.proxy_table() : evaluator.gold_table();
    Rng rng(spec.seed, 8);
    BestOfNResult r;
    for (int n : spec.bon_n) {
      r = evaluator.exact()
              ? exact_best_of_n(task.shape(), evaluator.reference_log_probs(), score_table,
                                evaluator.gold_table(), n)
              : sampled_best_of_n(task, reference, scorer, n, spec.train.eval_samples, rng);
      const double proxy_value =
          proxy_reward != nullptr ? r.proxy : std::numeric_limits<double>::quiet_NaN();
      const double row[] = {static_cast<double>(n), r.gold, proxy_value, r.kl, std::sqrt(r.kl)};
      writer.append(row);
      log.info("best-of-{}: gold {:.4f}, proxy {:.4f}, KL {:.4f}", n, r.gold, proxy_value, r.kl);
      summary["final"] = metrics_json(r.gold, proxy_value, r.kl);
      summary["final"]["n"] = n;
    }
  } else {
    auto writer = run::MetricsWriter::create(
        dir.metrics_path(), {"step", "loss", "gold", "proxy", "kl", "sqrt_kl", "seconds"});
    ProgressOptions options;
    options.label = spec.train.method;
    options.total = static_cast<uint64_t>(spec.train.steps);
    options.plain_interval_seconds = progress_seconds;
    std::optional<Progress> bar;
    if (progress != nullptr) bar.emplace(progress, options);
    const auto train_start = std::chrono::steady_clock::now();
    std::unique_ptr<Policy> policy = initial_policy(task, spec.train.policy);
    Metrics last;
    train_policy(task, *policy, spec.train, &data, proxy_reward, [&](const Metrics& m) {
      const double row[] = {static_cast<double>(m.step),
                            m.loss,
                            m.gold,
                            m.proxy,
                            m.kl,
                            std::sqrt(std::max(m.kl, 0.0)),
                            seconds_since(train_start)};
      writer.append(row);
      last = m;
      if (bar) bar->update(static_cast<uint64_t>(m.step), {{"gold", m.gold}, {"kl", m.kl}});
    });
    if (bar) bar->finish();
    log.info("{} after {} steps: gold {:.4f}, proxy {:.4f}, KL {:.4f}", spec.train.method,
             last.step, last.gold, last.proxy, last.kl);
    summary["final"] = metrics_json(last.gold, last.proxy, last.kl);
    summary["final"]["step"] = last.step;
    summary["final"]["loss"] = number(last.loss);
    // The optimum of E[r] - beta KL on the reward the method targets (offline: the gold reward
    // behind the preferences; online: the proxy, or gold without one).
    if (evaluator.exact()) {
      const MethodInfo& info = find_method(spec.train.method);
      const std::vector<double>& target = info.offline || proxy_reward == nullptr
                                              ? evaluator.gold_table()
                                              : evaluator.proxy_table();
      const uint64_t n = task.shape().num_sequences();
      double gold = 0.0, proxy_value = 0.0, kl = 0.0;
      for (int x = 0; x < task.shape().prompts; ++x) {
        const size_t base = static_cast<size_t>(x) * n;
        const std::span<const double> ref(evaluator.reference_log_probs().data() + base, n);
        const auto optimum = kl_optimum(ref, std::span<const double>(target.data() + base, n),
                                        spec.train.method_options.beta);
        gold +=
            expectation(optimum, std::span<const double>(evaluator.gold_table().data() + base, n));
        if (proxy_reward != nullptr) {
          proxy_value += expectation(
              optimum, std::span<const double>(evaluator.proxy_table().data() + base, n));
        }
        kl += kl_divergence(optimum, ref);
      }
      const double p = task.shape().prompts;
      summary["kl_optimum"] = metrics_json(gold / p, proxy_reward ? proxy_value / p : NAN, kl / p);
    }
  }
  summary["seconds"]["train"] = seconds_since(phase);
  summary["seconds"]["total"] = seconds_since(start);
  dir.write_summary(summary);
  return summary;
}

}  // namespace valor::align
