#include "valor/align/config.h"

#include <fmt/format.h>

#include <charconv>

#include "valor/align/exact.h"
#include "valor/core/error.h"
#include "valor/core/text.h"
#include "valor/run/run_config.h"

namespace valor::detail {
extern const EmbeddedPreset kEmbeddedAlignPresets[];
extern const size_t kEmbeddedAlignPresetsCount;
}  // namespace valor::detail

namespace valor::align {

namespace {

std::vector<std::string> method_choices() {
  std::vector<std::string> names;
  for (const MethodInfo& m : methods()) names.emplace_back(m.name);
  names.emplace_back("bon");
  return names;
}

// "64,64" -> {64, 64}; "" -> {} when `allow_empty`. Each entry an integer in [1, max].
std::vector<int> parse_int_list(const Config& c, const std::string& key, bool allow_empty,
                                int max) {
  const std::string& text = c.get_string(key);
  std::vector<int> out;
  if (text.empty() && allow_empty) return out;
  for (const std::string_view part : split_list(text)) {
    int value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value < 1 ||
        value > max) {
      fail("{} = \"{}\" (set by {}): expected integers from 1 to {} separated by commas{}", key,
           text, c.origin(key), max, allow_empty ? ", or \"\" for none" : "");
    }
    out.push_back(value);
  }
  return out;
}

std::vector<size_t> widths(const Config& c, const std::string& key, bool allow_empty) {
  std::vector<size_t> out;
  for (int w : parse_int_list(c, key, allow_empty, 65536)) out.push_back(static_cast<size_t>(w));
  return out;
}

}  // namespace

ConfigSchema align_schema() {
  ConfigSchema s;
  s.add_int("task.prompts", 4, "Number of prompts x.", ConfigRange::closed(1, 1 << 20))
      .add_int("task.vocab", 8, "Vocabulary size V.", ConfigRange::closed(2, 255))
      .add_int("task.length", 4, "Response length L (tokens).", ConfigRange::closed(1, 64))
      .add_int("task.seed", 0, "Seed of the task: teacher, gold reward and pi_ref's pretraining.",
               ConfigRange::at_least(0))
      .add_float("task.teacher_logit_scale", 2.0,
                 "Standard deviation of the teacher Markov chain's logits (0: uniform).",
                 ConfigRange::at_least(0))
      .add_string("task.reference_hidden", "64",
                  "Hidden widths of pi_ref's MLP, e.g. \"64\" or \"128,128\"; \"\" for none.")
      .add_int("task.pretrain_steps", 500, "Adam steps of pi_ref's maximum-likelihood pretraining.",
               ConfigRange::at_least(0))
      .add_int("task.pretrain_batch", 256, "Teacher sequences per pretraining step.",
               ConfigRange::at_least(1))
      .add_float("task.pretrain_learning_rate", 3e-3, "Adam learning rate of the pretraining.",
                 ConfigRange::greater_than(0))
      .add_float("task.reward_scale", 1.0,
                 "Scale of the gold reward (its std under uniform tokens).")
      .add_int("data.pairs", 10000, "Preference pairs generated from pi_ref (without data.file).",
               ConfigRange::closed(1, 100000000))
      .add_float("data.label_temperature", 1.0,
                 "Bradley-Terry temperature of the labels: P(a > b) = sigma((r*(a) - r*(b)) / T).",
                 ConfigRange::greater_than(0))
      .add_float("data.label_noise", 0.0, "Probability that a label is flipped.",
                 ConfigRange{0.0, 0.5, false, true})
      .add_float("data.tie_margin", 0.0,
                 "Pairs whose labelling rewards differ by less than this are ties (outcome 0.5).",
                 ConfigRange::at_least(0))
      .add_int("data.annotators", 1,
               "Annotators; each pair is labelled by one drawn uniformly (docs/align.md).",
               ConfigRange::closed(1, 1000))
      .add_float("data.annotator_spread", 0.0,
                 "How far each annotator's reward departs from the gold reward (0: all agree).",
                 ConfigRange::at_least(0))
      .add_string("data.file", "",
                  "Preference pairs from a JSONL file (docs/align.md) instead of generating them; "
                  "data.pairs and the label keys are then not used.")
      .add_string("proxy.kind", "mlp",
                  "The reward online methods and best-of-N maximise: mlp (learnt from the "
                  "preference data) or gold (the hidden reward itself).",
                  {"mlp", "gold"})
      .add_int("proxy.members", 1, "Ensemble members (seeds run.seed + k).",
               ConfigRange::closed(1, 64))
      .add_string("proxy.rule", "mean", "Ensemble scoring rule.", {"mean", "wco", "uwo"})
      .add_float("proxy.lambda", 1.0, "UWO's weight of the members' variance.",
                 ConfigRange::at_least(0))
      .add_string("proxy.hidden", "64,64",
                  "Hidden widths of the MLP reward model (at least one), e.g. \"64,64\".")
      .add_int("proxy.epochs", 20, "Most epochs of reward-model training.",
               ConfigRange::at_least(1))
      .add_float("proxy.learning_rate", 1e-3, "AdamW learning rate of the reward model.",
                 ConfigRange::greater_than(0))
      .add_int("proxy.batch_size", 64, "Pairs per reward-model minibatch.",
               ConfigRange::at_least(1))
      .add_float("proxy.weight_decay", 0.0, "AdamW's decoupled weight decay.",
                 ConfigRange::at_least(0))
      .add_float("proxy.validation_fraction", 0.1,
                 "Pairs held out for early stopping (0: none, all epochs).",
                 ConfigRange{0.0, 1.0, false, true})
      .add_int("proxy.patience", 3, "Epochs without a better validation loss before stopping.",
               ConfigRange::at_least(1))
      .add_bool("proxy.bootstrap", false, "Each member trains on a bootstrap resample.")
      .add_string("align.method", "dpo", "The method (valor align methods; bon: best-of-N).",
                  method_choices())
      .add_string("align.policy", "mlp",
                  "The trained policy: mlp (pi_ref's network, from its weights) or tabular (one "
                  "logit vector per prefix; enumerable tasks).",
                  {"mlp", "tabular"})
      .add_int("align.steps", 2000, "Gradient steps.", ConfigRange::at_least(0))
      .add_float("align.learning_rate", 1e-3, "Adam learning rate of the policy.",
                 ConfigRange::greater_than(0))
      .add_float("align.beta", 0.1, "KL strength beta.", ConfigRange::greater_than(0))
      .add_float("align.tau", 0.1, "IPO's tau (target margin 1 / (2 tau)).",
                 ConfigRange::greater_than(0))
      .add_float("align.label_smoothing", 0.1, "Conservative DPO's label smoothing eps.",
                 ConfigRange{0.0, 0.5, false, true})
      .add_int("align.batch_size", 64, "Pairs (offline methods) or prompts (online) per step.",
               ConfigRange::at_least(1))
      .add_int("align.group_size", 4, "Responses per prompt of the online methods.",
               ConfigRange::at_least(2))
      .add_float("align.clip", 0.2, "PPO/GRPO ratio clip.", ConfigRange{0.0, 1.0, true, true})
      .add_int("align.update_epochs", 4, "PPO/GRPO gradient steps per sampled batch.",
               ConfigRange::at_least(1))
      .add_float("align.mixture", 0.125, "Nash-MD: weight of pi_ref in the geometric mixture.",
                 ConfigRange::closed(0, 1))
      .add_bool("align.exact", false,
                "Population gradients by enumerating every response (enumerable tasks).")
      .add_int("align.eval_every", 100, "Steps between metric rows.", ConfigRange::at_least(1))
      .add_int("align.eval_samples", 4096,
               "Responses per prompt for the metrics when the task is too large to enumerate.",
               ConfigRange::at_least(1))
      .add_string("align.bon_n", "1,2,4,8,16,32,64,128,256,512,1024,4096,16384",
                  "Best-of-N: the N evaluated.");
  run::declare_run_config(s);
  return s;
}

std::span<const EmbeddedPreset> align_presets() {
  return {::valor::detail::kEmbeddedAlignPresets, ::valor::detail::kEmbeddedAlignPresetsCount};
}

const EmbeddedPreset& find_align_preset(std::string_view name) {
  return find_embedded_preset(align_presets(), name, "align preset");
}

Config resolve_align_config(const std::optional<std::string>& preset,
                            const std::optional<std::string>& file,
                            const std::vector<std::string>& overrides) {
  Config config(align_schema());
  if (preset) {
    const EmbeddedPreset& p = find_align_preset(*preset);
    config.merge_toml(p.text, std::string(p.source));
  }
  if (file) config.merge_file(*file);
  for (const auto& assignment : overrides) config.apply_override(assignment);
  return config;
}

AlignRunSpec align_run_spec(const Config& c) {
  AlignRunSpec s;
  s.seed = static_cast<uint64_t>(c.get_int("run.seed"));
  TaskSpec& t = s.task;
  t.shape = {static_cast<int>(c.get_int("task.prompts")), static_cast<int>(c.get_int("task.vocab")),
             static_cast<int>(c.get_int("task.length"))};
  t.seed = static_cast<uint64_t>(c.get_int("task.seed"));
  t.teacher_logit_scale = c.get_float("task.teacher_logit_scale");
  t.reference_hidden = widths(c, "task.reference_hidden", true);
  t.pretrain_steps = static_cast<int>(c.get_int("task.pretrain_steps"));
  t.pretrain_batch = static_cast<int>(c.get_int("task.pretrain_batch"));
  t.pretrain_learning_rate = c.get_float("task.pretrain_learning_rate");
  t.reward_scale = c.get_float("task.reward_scale");
  check_task_spec(t);

  s.data.pairs = static_cast<size_t>(c.get_int("data.pairs"));
  s.data.label_temperature = c.get_float("data.label_temperature");
  s.data.label_noise = c.get_float("data.label_noise");
  s.data.tie_margin = c.get_float("data.tie_margin");
  s.data.annotators = static_cast<size_t>(c.get_int("data.annotators"));
  s.data.annotator_spread = c.get_float("data.annotator_spread");
  s.data.seed = s.seed;
  s.data_file = c.get_string("data.file");

  ProxySpec& p = s.proxy;
  p.kind = c.get_string("proxy.kind");
  p.members = static_cast<size_t>(c.get_int("proxy.members"));
  p.rule = reward::parse_ensemble_rule(c.get_string("proxy.rule"));
  p.lambda = c.get_float("proxy.lambda");
  p.mlp.hidden = widths(c, "proxy.hidden", false);
  p.mlp.max_epochs = static_cast<int>(c.get_int("proxy.epochs"));
  p.mlp.learning_rate = c.get_float("proxy.learning_rate");
  p.mlp.batch_size = static_cast<size_t>(c.get_int("proxy.batch_size"));
  p.mlp.weight_decay = c.get_float("proxy.weight_decay");
  p.mlp.validation_fraction = c.get_float("proxy.validation_fraction");
  p.mlp.patience = static_cast<int>(c.get_int("proxy.patience"));
  p.mlp.bootstrap = c.get_bool("proxy.bootstrap");
  p.mlp.seed = s.seed;
  reward::check_mlp_options(p.mlp);

  TrainOptions& o = s.train;
  o.method = c.get_string("align.method");
  o.policy = c.get_string("align.policy");
  o.steps = static_cast<int>(c.get_int("align.steps"));
  o.learning_rate = c.get_float("align.learning_rate");
  o.exact = c.get_bool("align.exact");
  o.eval_every = static_cast<int>(c.get_int("align.eval_every"));
  o.eval_samples = static_cast<size_t>(c.get_int("align.eval_samples"));
  o.seed = s.seed;
  MethodOptions& m = o.method_options;
  m.beta = c.get_float("align.beta");
  m.tau = c.get_float("align.tau");
  m.label_smoothing = c.get_float("align.label_smoothing");
  m.batch_size = static_cast<size_t>(c.get_int("align.batch_size"));
  m.group_size = static_cast<size_t>(c.get_int("align.group_size"));
  m.clip = c.get_float("align.clip");
  m.update_epochs = static_cast<int>(c.get_int("align.update_epochs"));
  m.mixture = c.get_float("align.mixture");
  s.bon_n = parse_int_list(c, "align.bon_n", false, 1 << 30);

  if (o.method != "bon") {
    if (o.exact && !enumerable(t.shape)) {
      fail("align.exact = true (set by {}) enumerates every response, but {}",
           c.origin("align.exact"), [&] {
             try {
               check_enumerable(t.shape);
             } catch (const Error& e) {
               return std::string(e.what());
             }
             return std::string();
           }());
    }
    if (o.policy == "tabular") {
      const uint64_t prefixes = t.shape.num_prefixes();
      if (prefixes == 0 || prefixes > TabularPolicy::kMaxTabularParameters /
                                          static_cast<uint64_t>(t.shape.vocab) /
                                          static_cast<uint64_t>(t.shape.prompts)) {
        fail(
            "align.policy = tabular (set by {}) needs a logit per prefix and token; task.prompts "
            "{}, task.vocab {} and task.length {} need more than {}: use align.policy = mlp",
            c.origin("align.policy"), t.shape.prompts, t.shape.vocab, t.shape.length,
            TabularPolicy::kMaxTabularParameters);
      }
    }
  }
  return s;
}

}  // namespace valor::align
