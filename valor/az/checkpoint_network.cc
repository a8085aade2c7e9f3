#include "valor/az/checkpoint_network.h"

#include <sstream>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"

namespace valor::az {

namespace {

// The weight [out, in] of the linear layer `name` of `net`, or an undefined tensor.
torch::Tensor linear_weight(torch::serialize::InputArchive& net, const std::string& name) {
  torch::serialize::InputArchive layer;
  torch::Tensor weight;
  if (!net.try_read(name, layer) || !layer.try_read("weight", weight)) return {};
  return weight;
}

}  // namespace

CheckpointNetwork load_checkpoint_network(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) {
    fail("{}: no such checkpoint file (one written by valor az train --checkpoint)", path.string());
  }
  const std::string bytes = read_file(path);
  try {
    torch::serialize::InputArchive archive;
    std::istringstream in(bytes);
    archive.load_from(in);
    torch::serialize::InputArchive net;
    if (!archive.try_read("network", net)) {
      fail("{}: not a valor az checkpoint (it holds no network)", path.string());
    }
    NetworkSpec spec;
    spec.hidden.clear();
    int64_t inputs = -1;
    for (int i = 0;; ++i) {
      const torch::Tensor w = linear_weight(net, "trunk" + std::to_string(i));
      if (!w.defined()) break;
      if (i == 0) inputs = w.size(1);
      spec.hidden.push_back(static_cast<int>(w.size(0)));
    }
    const torch::Tensor policy = linear_weight(net, "policy");
    const torch::Tensor value = linear_weight(net, "value");
    if (!policy.defined() || !value.defined() || policy.dim() != 2 || value.dim() != 2) {
      fail("{}: not a valor az checkpoint (no policy and value heads)", path.string());
    }
    if (inputs < 0) inputs = policy.size(1);
    spec.num_actions = static_cast<int>(policy.size(0));
    spec.value_head = value.size(0) == 1 ? "scalar" : "hl_gauss";
    if (value.size(0) > 1) spec.bins = static_cast<int>(value.size(0));
    CheckpointNetwork out;
    for (const auto& g : game::games()) {
      const auto s = g.new_initial_state();
      if (s->observation_shape().size() == inputs &&
          s->num_distinct_actions() == spec.num_actions) {
        out.game = &g;
        spec.observation = s->observation_shape();
      }
    }
    if (out.game == nullptr) {
      fail("{}: a network of {} inputs and {} actions plays none of the games {}", path.string(),
           inputs, spec.num_actions, game::game_names());
    }
    out.network = PolicyValueNet(spec);
    out.network->load(net);
    out.network->eval();
    return out;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    // LibTorch's messages run on with a backtrace: its first line says what failed.
    const std::string what = e.what();
    fail("{}: not a readable valor az checkpoint: {}", path.string(),
         what.substr(0, what.find('\n')));
  }
}

}  // namespace valor::az
