#include "valor/agent/dqn.h"

#include <c10/core/InferenceMode.h>
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <sstream>

#include "valor/core/byte_stream.h"
#include "valor/core/error.h"

namespace valor::agent {

namespace {

constexpr uint32_t kAgentTag = 0x44514e32;  // "DQN2"

std::string archive_bytes(const std::function<void(torch::serialize::OutputArchive&)>& save) {
  torch::serialize::OutputArchive archive;
  save(archive);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

void load_archive(const std::string& bytes,
                  const std::function<void(torch::serialize::InputArchive&)>& load) {
  torch::serialize::InputArchive archive;
  std::istringstream in(bytes);
  archive.load_from(in);
  load(archive);
}

// The architecture, head and optimiser in words: a saved state only loads into an agent with the
// same signature (LibTorch itself would replace mismatched tensors silently).
std::string signature(QNetwork& net, const DqnOptions& o) {
  std::string s =
      fmt::format("head={} optimizer={} params:", value::head_name(o.head.kind), o.optimizer);
  for (const auto& p : net->named_parameters()) {
    s += " " + p.key() + "[";
    for (int64_t d : p.value().sizes()) s += std::to_string(d) + ",";
    s += "]";
  }
  return s;
}

}  // namespace

DqnAgent::DqnAgent(const DqnOptions& options, uint64_t init_seed)
    : options_(options), head_(options.head) {
  options_.network.outputs_per_action = static_cast<int>(head_.outputs());
  if (options.polyak_tau < 0 || options.polyak_tau > 1) {
    fail("train.polyak_tau must be in [0, 1], got {}", options.polyak_tau);
  }
  if (options.polyak_tau == 0 && options.target_update_period < 1) {
    fail("train.target_update_period must be >= 1 when train.polyak_tau is 0");
  }
  torch::manual_seed(init_seed);
  online_ = QNetwork(options_.network);
  // The categorical heads start decoding to head.initial_value (value_head.h), not to the middle
  // of the support; the regression heads keep LibTorch's initialisation (that of dqn.py).
  if (head_.categorical()) online_->set_output_bias(head_.initial_logits());
  target_ = QNetwork(options_.network);
  copy_parameters(target_, online_);
  for (auto& p : target_->parameters()) p.set_requires_grad(false);
  OptimizerOptions opt;
  opt.kind = options.optimizer;
  opt.learning_rate = options.learning_rate;
  opt.adam_eps = options.adam_eps;
  opt.rmsprop_alpha = options.rmsprop_alpha;
  opt.rmsprop_eps = options.rmsprop_eps;
  optimizer_ = std::make_unique<Optimizer>(online_->parameters(), opt);
  for (int d : options_.network.obs_shape) obs_shape_.push_back(d);
}

torch::Tensor DqnAgent::observations(const std::vector<float>& obs, size_t batch) const {
  std::vector<int64_t> shape = {static_cast<int64_t>(batch)};
  shape.insert(shape.end(), obs_shape_.begin(), obs_shape_.end());
  return torch::from_blob(const_cast<float*>(obs.data()), shape, torch::kFloat32);
}

void DqnAgent::q_values(std::span<const float> obs, std::span<float> q) {
  act_out_.resize(static_cast<size_t>(num_actions()) * head_.outputs());
  online_->forward_one(obs, act_out_, act_scratch_);
  head_.q_values(act_out_, q);
}

int DqnAgent::greedy_action(std::span<const float> obs) {
  q_scratch_.resize(static_cast<size_t>(num_actions()));
  q_values(obs, q_scratch_);
  return static_cast<int>(std::max_element(q_scratch_.begin(), q_scratch_.end()) -
                          q_scratch_.begin());
}

int DqnAgent::epsilon_greedy_action(std::span<const float> obs, double epsilon, Rng& rng) {
  if (rng.uniform() < epsilon) return static_cast<int>(rng.below(num_actions()));
  return greedy_action(obs);
}

void DqnAgent::epsilon_greedy_actions(std::span<const float> obs, std::span<const double> epsilon,
                                      Rng& rng, std::span<int32_t> actions) {
  const size_t n = actions.size();
  const size_t obs_size = obs.size() / std::max<size_t>(n, 1);
  VALOR_CHECK(epsilon.size() == n && obs_size * n == obs.size() && obs_size > 0,
              "{} observations of {} floats with {} epsilons", n, obs.size(), epsilon.size());
  bool any_greedy = false;
  for (size_t i = 0; i < n; ++i) {
    if (rng.uniform() < epsilon[i]) {
      actions[i] = static_cast<int32_t>(rng.below(num_actions()));
    } else {
      actions[i] = -1;
      any_greedy = true;
    }
  }
  if (!any_greedy) return;
  const size_t num = static_cast<size_t>(num_actions());
  q_scratch_.resize(n * num);
  {
    c10::InferenceMode inference;
    std::vector<int64_t> shape = {static_cast<int64_t>(n)};
    shape.insert(shape.end(), obs_shape_.begin(), obs_shape_.end());
    const auto x = torch::from_blob(const_cast<float*>(obs.data()), shape, torch::kFloat32);
    const auto out = online_->forward(x).contiguous();
    head_.q_values(std::span<const float>(out.data_ptr<float>(), n * num * head_.outputs()),
                   q_scratch_);
  }
  for (size_t i = 0; i < n; ++i) {
    if (actions[i] >= 0) continue;
    const float* q = q_scratch_.data() + i * num;
    actions[i] = static_cast<int32_t>(std::max_element(q, q + num) - q);
  }
}

UpdateStats DqnAgent::update(const ReplayBatch& batch, value::TargetRange* range) {
  const size_t b_size = batch.size();
  const size_t actions = static_cast<size_t>(num_actions());
  const size_t k = head_.outputs();
  const auto B = static_cast<int64_t>(b_size);
  const auto A = static_cast<int64_t>(actions);
  const auto K = static_cast<int64_t>(k);

  // Targets: no gradient, computed by the value library on plain arrays.
  next_sel_.resize(b_size * k);
  next_action_.resize(b_size);
  q_scratch_.resize(b_size * actions);
  {
    c10::InferenceMode inference;  // lighter than NoGradGuard: these outputs are only read
    const auto next = observations(batch.next_obs, b_size);
    const auto target_out = target_->forward(next).contiguous();
    const float* t = target_out.data_ptr<float>();
    torch::Tensor chooser_out = target_out;
    if (options_.double_dqn) chooser_out = online_->forward(next).contiguous();
    head_.q_values(std::span<const float>(chooser_out.data_ptr<float>(), b_size * actions * k),
                   q_scratch_);
    next_q_.resize(b_size);
    for (size_t b = 0; b < b_size; ++b) {
      const float* q = q_scratch_.data() + b * actions;
      const size_t a = static_cast<size_t>(std::max_element(q, q + actions) - q);
      next_action_[b] = static_cast<int64_t>(a);
      next_q_[b] = q[a];
      std::copy_n(t + (b * actions + a) * k, k, next_sel_.data() + b * k);
    }
  }
  targets_.resize(b_size * head_.target_size());
  // Without Double DQN the chooser is the target network: its decoded Q(s', a*) is at hand.
  const bool have_next_q = head_.categorical() && !options_.double_dqn;
  head_.targets(next_sel_, batch.returns, batch.discounts, targets_, range,
                have_next_q ? std::span<const float>(next_q_) : std::span<const float>());

  // The online outputs for the taken actions, the head's loss and gradient, then backprop.
  UpdateStats stats;
  const auto obs = observations(batch.obs, b_size);
  selected_.resize(b_size * k);
  grad_.resize(b_size * k);
  if (k > 1) {
    // A categorical head: the output layer computes only the taken action's K outputs, forward
    // and backward (q_network.h's taken_outputs), the rest of the network goes through autograd.
    const auto h = online_->features(obs).contiguous();
    const size_t width = static_cast<size_t>(h.size(1));
    const std::span<const float> hs(h.data_ptr<float>(), b_size * width);
    online_->taken_outputs(hs, batch.actions, selected_);
    stats.loss = head_.loss(selected_, targets_, grad_);
    optimizer_->zero_grad();
    features_grad_.resize(b_size * width);
    online_->taken_outputs_backward(grad_, features_grad_);
    if (h.requires_grad()) {  // false for an MLP without hidden layers
      h.backward(torch::from_blob(features_grad_.data(), {B, static_cast<int64_t>(width)},
                                  torch::kFloat32));
    }
  } else {
    // One output per action (huber, mse): the full output layer, then its gradient spread over
    // all outputs (zero for the actions not taken), as the reference protocol computes it.
    const auto out = online_->forward(obs);
    VALOR_CHECK(out.is_contiguous());
    const float* o = out.data_ptr<float>();
    for (size_t b = 0; b < b_size; ++b) {
      const auto a = static_cast<size_t>(batch.actions[b]);
      VALOR_CHECK(a < actions);
      std::copy_n(o + (b * actions + a) * k, k, selected_.data() + b * k);
    }
    stats.loss = head_.loss(selected_, targets_, grad_);
    out_grad_.assign(b_size * actions * k, 0.0f);
    for (size_t b = 0; b < b_size; ++b) {
      const auto a = static_cast<size_t>(batch.actions[b]);
      std::copy_n(grad_.data() + b * k, k, out_grad_.data() + (b * actions + a) * k);
    }
    optimizer_->zero_grad();
    out.backward(torch::from_blob(out_grad_.data(), {B, A * K}, torch::kFloat32));
  }
  stats.grad_norm =
      options_.grad_clip_norm > 0 ? optimizer_->clip_grad_norm(options_.grad_clip_norm) : 0.0;
  optimizer_->step();
  ++updates_;
  if (options_.polyak_tau > 0) {
    polyak_update(target_, online_, options_.polyak_tau);
  } else if (updates_ % options_.target_update_period == 0) {
    copy_parameters(target_, online_);
  }
  return stats;
}

std::string DqnAgent::save_state() {
  ByteWriter w;
  w.put(kAgentTag);
  w.put<int64_t>(updates_);
  w.put_string(signature(online_, options_));
  w.put_string(archive_bytes([&](auto& a) { online_->save(a); }));
  w.put_string(archive_bytes([&](auto& a) { target_->save(a); }));
  w.put_string(optimizer_->save_state());
  return w.take();
}

void DqnAgent::load_state(std::string_view bytes) {
  ByteReader r(bytes, "agent state");
  if (r.get<uint32_t>() != kAgentTag) fail("{}: not an agent state", r.what());
  const auto updates = r.get<int64_t>();
  if (updates < 0) fail("{}: an update count of {}", r.what(), updates);
  const std::string saved = r.get_string(), mine = signature(online_, options_);
  if (saved != mine) {
    fail("{}: saved for another network, head or optimiser:\n  saved: {}\n  this:  {}", r.what(),
         saved, mine);
  }
  const auto online = r.get_string();
  const auto target = r.get_string();
  const auto optimizer = r.get_string();
  r.expect_done();
  // LibTorch replaces a parameter by whatever tensor the archive holds: check every shape, type
  // and layout against the network's own before anything uses them.
  std::vector<std::vector<int64_t>> shapes;
  for (const auto& p : online_->parameters()) shapes.push_back(p.sizes().vec());
  try {
    load_archive(online, [&](auto& a) { online_->load(a); });
    load_archive(target, [&](auto& a) { target_->load(a); });
  } catch (const c10::Error& e) {
    fail("{}: the saved networks do not fit this configuration ({})", r.what(),
         e.what_without_backtrace());
  } catch (const std::exception& e) {
    fail("{}: the saved networks cannot be read ({})", r.what(), e.what());
  }
  for (QNetwork* net : {&online_, &target_}) {
    const auto named = (*net)->named_parameters();
    if (named.size() != shapes.size())
      fail("{}: a network with another number of tensors", r.what());
    for (size_t i = 0; i < named.size(); ++i) {
      const torch::Tensor& t = named[i].value();
      if (t.sizes().vec() != shapes[i] || t.scalar_type() != torch::kFloat32 ||
          !t.is_contiguous() || t.device() != torch::kCPU) {
        fail("{}: parameter {} is not a contiguous float tensor of the network's shape", r.what(),
             named[i].key());
      }
    }
  }
  optimizer_->load_state(optimizer);
  for (auto& p : target_->parameters()) p.set_requires_grad(false);
  updates_ = updates;
}

}  // namespace valor::agent
