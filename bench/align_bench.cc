// The preference-optimisation lab's default DPO run (docs/align.md), one thread: the task of
// TaskSpec's defaults (4 prompts, V = 8, L = 4, pi_ref an MlpPolicy with hidden {64} pretrained
// by MLE), 10,000 preference pairs from make_preferences, DPO with beta 0.1, batch 64 pairs,
// Adam lr 1e-3, 2000 steps, the policy a copy of pi_ref (initial_policy "mlp").
// - BM_DpoTrain: the training loop alone - train_policy's steps (method step, Adam update) with
//   the same generators, so the same minibatches and bit-identical parameters (the export checks
//   that), and no evaluation. The first step computes pi_ref's log-probabilities of all 20,000
//   responses (as train_policy does); task and preference data are built once, untimed.
// - BM_DpoTrainPolicy: train_policy itself with its default evaluation (exact metrics every 50
//   steps by enumerating the 4 x 8^4 responses), to show what evaluation adds;
//   BM_DpoEvaluate: one evaluation.
// - BM_DpoStep, BM_DpoSequenceEvaluate, BM_DpoSequenceBackward, BM_DpoAdam: one step and its
//   parts at batch 64 pairs (128 sequences, 512 nodes).
// tools/bench-align-compare runs BM_DpoTrain beside the PyTorch script
// tools/bench-align-dpo-python.py, which reads the task written by
//   build/bench/align_bench --export=DIR
// (pi_ref's parameters, the pairs, each step's minibatch indices, and valor's per-step losses and
// final parameters, as .npy files, then exits without benchmarking).
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "valor/agent/torch_runtime.h"
#include "valor/align/method.h"
#include "valor/align/preferences.h"
#include "valor/align/task.h"
#include "valor/align/trainer.h"
#include "valor/core/error.h"
#include "valor/reward/mlp_reward.h"

namespace {

using namespace valor::align;

constexpr size_t kPairs = 10000;
constexpr int kSteps = 2000;

struct Setup {
  Task task{TaskSpec{}};
  PreferenceData data;
  TrainOptions options;
  Setup() {
    PreferenceOptions p;
    p.pairs = kPairs;
    data = make_preferences(task, p);
    options.method = "dpo";
    options.steps = kSteps;
    options.learning_rate = 1e-3;
    options.method_options.beta = 0.1;
    options.method_options.batch_size = 64;
  }
};

const Setup& setup() {
  static const Setup s;
  return s;
}

// train_policy's loop without evaluation: the same method, generator (seed, stream 7) and Adam,
// so the same minibatches and parameters. Returns each step's loss when `losses` is set.
void train_dpo(const Setup& s, Policy& policy, std::vector<double>* losses) {
  const TrainOptions& options = s.options;
  std::unique_ptr<Method> method = find_method(options.method).make();
  MlpPolicy reference = s.task.reference();
  GoldReward gold(s.task);
  valor::Rng rng(options.seed, 7);
  StepContext context{s.task, policy, reference, &s.data, &gold, options.method_options, rng};
  valor::reward::AdamW adam;
  adam.learning_rate = options.learning_rate;
  std::vector<float> gradient;
  for (int step = 1; step <= options.steps; ++step) {
    gradient.assign(policy.parameters().size(), 0.0f);
    const double loss = method->step(context, gradient);
    adam.update(policy.parameters(), gradient);
    if (losses != nullptr) losses->push_back(loss);
  }
}

void BM_DpoTrain(benchmark::State& state) {
  valor::agent::set_compute_threads(1);
  const Setup& s = setup();
  for (auto _ : state) {
    std::unique_ptr<Policy> policy = initial_policy(s.task, "mlp");
    train_dpo(s, *policy, nullptr);
    benchmark::DoNotOptimize(policy->parameters().data());
  }
  state.SetItemsProcessed(state.iterations() * kSteps);
}

void BM_DpoTrainPolicy(benchmark::State& state) {
  valor::agent::set_compute_threads(1);
  const Setup& s = setup();
  for (auto _ : state) {
    std::unique_ptr<Policy> policy = initial_policy(s.task, "mlp");
    double kl = 0.0;
    train_policy(s.task, *policy, s.options, &s.data, nullptr,
                 [&](const Metrics& m) { kl = m.kl; });
    benchmark::DoNotOptimize(kl);
  }
  state.SetItemsProcessed(state.iterations() * kSteps);
}

void BM_DpoEvaluate(benchmark::State& state) {
  valor::agent::set_compute_threads(1);
  const Setup& s = setup();
  Evaluator evaluator(s.task, nullptr, s.options.eval_samples, s.options.seed);
  std::unique_ptr<Policy> policy = initial_policy(s.task, "mlp");
  for (auto _ : state) benchmark::DoNotOptimize(evaluator.evaluate(*policy).kl);
}

// A policy a few steps into training, with the method's pi_ref cache filled.
struct StepFixture {
  const Setup& s = setup();
  std::unique_ptr<Policy> policy = initial_policy(s.task, "mlp");
  MlpPolicy reference = s.task.reference();
  GoldReward gold{s.task};
  valor::Rng rng{0, 7};
  std::unique_ptr<Method> method = find_method("dpo").make();
  StepContext context{s.task, *policy, reference, &s.data, &gold, s.options.method_options, rng};
  valor::reward::AdamW adam;
  std::vector<float> gradient;
  StepFixture() {
    adam.learning_rate = s.options.learning_rate;
    for (int k = 0; k < 10; ++k) step();
  }
  double step() {
    gradient.assign(policy->parameters().size(), 0.0f);
    const double loss = method->step(context, gradient);
    adam.update(policy->parameters(), gradient);
    return loss;
  }
};

void BM_DpoStep(benchmark::State& state) {
  valor::agent::set_compute_threads(1);
  StepFixture f;
  for (auto _ : state) benchmark::DoNotOptimize(f.step());
  state.SetItemsProcessed(state.iterations());
}

// The 128 sequences of a minibatch (the a sides then the b sides of 64 pairs).
struct SequenceFixture {
  const Setup& s = setup();
  std::unique_ptr<Policy> policy = initial_policy(s.task, "mlp");
  std::vector<int32_t> prompts;
  std::vector<uint8_t> tokens;
  std::vector<float> coef, gradient;
  SequenceBatch batch;
  SequenceFixture() {
    const auto len = static_cast<size_t>(s.task.shape().length);
    valor::Rng rng(0, 7);
    const std::vector<size_t> pairs = draw_pairs(s.data.size(), 64, rng);
    for (const std::vector<uint8_t>* side : {&s.data.a, &s.data.b}) {
      for (size_t i : pairs) {
        prompts.push_back(s.data.prompts[i]);
        tokens.insert(tokens.end(), side->begin() + static_cast<std::ptrdiff_t>(i * len),
                      side->begin() + static_cast<std::ptrdiff_t>((i + 1) * len));
      }
    }
    for (size_t k = 0; k < prompts.size() * len; ++k) coef.push_back(k < 64 * len ? 0.01f : -0.01f);
  }
};

void BM_DpoSequenceEvaluate(benchmark::State& state) {
  valor::agent::set_compute_threads(1);
  SequenceFixture f;
  for (auto _ : state) {
    f.batch.evaluate(*f.policy, f.prompts, f.tokens);
    benchmark::DoNotOptimize(f.batch.token_log_probs().data());
  }
}

void BM_DpoSequenceBackward(benchmark::State& state) {
  valor::agent::set_compute_threads(1);
  SequenceFixture f;
  f.batch.evaluate(*f.policy, f.prompts, f.tokens);
  for (auto _ : state) {
    f.gradient.assign(f.policy->parameters().size(), 0.0f);
    f.batch.backward(*f.policy, f.coef, f.gradient);
    benchmark::DoNotOptimize(f.gradient.data());
  }
}

void BM_DpoAdam(benchmark::State& state) {
  StepFixture f;
  for (auto _ : state) {
    f.adam.update(f.policy->parameters(), f.gradient);
    benchmark::DoNotOptimize(f.policy->parameters().data());
  }
}

// .npy (format 1.0) of a C-order array.
template <typename T>
void write_npy(const std::string& path, std::string_view dtype, std::vector<size_t> shape,
               const T* values, size_t count) {
  std::string dims;
  for (size_t d : shape) dims += fmt::format("{},", d);
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", dtype, dims);
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) valor::fail("cannot write {}", path);
  const auto header_size = static_cast<uint16_t>(header.size());
  const unsigned char preamble[10] = {0x93,
                                      'N',
                                      'U',
                                      'M',
                                      'P',
                                      'Y',
                                      1,
                                      0,
                                      static_cast<unsigned char>(header_size & 0xff),
                                      static_cast<unsigned char>(header_size >> 8)};
  std::fwrite(preamble, 1, sizeof preamble, f);
  std::fwrite(header.data(), 1, header.size(), f);
  std::fwrite(values, sizeof(T), count, f);
  if (std::fclose(f) != 0) valor::fail("cannot write {}", path);
}

// Writes the task for tools/bench-align-dpo-python.py into `dir` (which must exist).
void export_task(const std::string& dir) {
  const Setup& s = setup();
  const SequenceShape& shape = s.task.shape();
  const auto len = static_cast<size_t>(shape.length);
  const MlpPolicy& reference = s.task.reference();
  const std::vector<float>& p = reference.parameters();
  write_npy(dir + "/initial_parameters.npy", "<f4", {p.size()}, p.data(), p.size());
  write_npy(dir + "/prompts.npy", "<i4", {s.data.size()}, s.data.prompts.data(), s.data.size());
  write_npy(dir + "/a.npy", "|u1", {s.data.size(), len}, s.data.a.data(), s.data.a.size());
  write_npy(dir + "/b.npy", "|u1", {s.data.size(), len}, s.data.b.data(), s.data.b.size());
  write_npy(dir + "/outcome.npy", "<f4", {s.data.size()}, s.data.outcome.data(), s.data.size());
  // The minibatches: the DPO step draws its pairs from the trainer's generator and nothing else.
  const size_t batch = s.options.method_options.batch_size;
  valor::Rng rng(s.options.seed, 7);
  std::vector<int64_t> indices;
  for (int step = 0; step < kSteps; ++step) {
    for (size_t i : draw_pairs(s.data.size(), batch, rng))
      indices.push_back(static_cast<int64_t>(i));
  }
  write_npy(dir + "/batches.npy", "<i8", {static_cast<size_t>(kSteps), batch}, indices.data(),
            indices.size());
  // valor's run, and a check that it is train_policy's (bit-identical final parameters).
  std::vector<double> losses;
  std::unique_ptr<Policy> policy = initial_policy(s.task, "mlp");
  train_dpo(s, *policy, &losses);
  std::unique_ptr<Policy> trained = initial_policy(s.task, "mlp");
  TrainOptions once = s.options;
  once.eval_every = kSteps;
  double last_loss = 0.0;
  train_policy(s.task, *trained, once, &s.data, nullptr,
               [&](const Metrics& m) { last_loss = m.loss; });
  if (trained->parameters() != policy->parameters() || last_loss != losses.back()) {
    valor::fail("the benchmark loop does not reproduce train_policy");
  }
  write_npy(dir + "/losses.npy", "<f8", {losses.size()}, losses.data(), losses.size());
  const std::vector<float>& q = policy->parameters();
  write_npy(dir + "/final_parameters.npy", "<f4", {q.size()}, q.data(), q.size());
  std::FILE* f = std::fopen((dir + "/meta.json").c_str(), "w");
  if (f == nullptr) valor::fail("cannot write {}/meta.json", dir);
  fmt::print(f,
             "{{\"prompts\": {}, \"vocab\": {}, \"length\": {}, \"hidden\": [{}], \"beta\": {}, "
             "\"batch\": {}, \"steps\": {}, \"learning_rate\": {}, \"pairs\": {}}}\n",
             shape.prompts, shape.vocab, shape.length, fmt::join(reference.hidden(), ", "),
             s.options.method_options.beta, batch, kSteps, s.options.learning_rate, s.data.size());
  std::fclose(f);
  fmt::print("wrote {}: {} pairs, {} steps of {} pairs, final loss {:.6f}\n", dir, s.data.size(),
             kSteps, batch, losses.back());
}

}  // namespace

BENCHMARK(BM_DpoTrain)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_DpoTrainPolicy)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_DpoEvaluate)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DpoStep)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DpoSequenceEvaluate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DpoSequenceBackward)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DpoAdam)->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    constexpr std::string_view flag = "--export=";
    if (std::string_view(argv[i]).starts_with(flag)) {
      try {
        export_task(std::string(argv[i] + flag.size()));
      } catch (const std::exception& e) {
        fmt::print(stderr, "align_bench: {}\n", e.what());
        return 1;
      }
      return 0;
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
