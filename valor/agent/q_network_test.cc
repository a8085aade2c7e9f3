#include "valor/agent/q_network.h"

#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <vector>

#include "valor/agent/torch_runtime.h"

namespace valor::agent {
namespace {

// taken_outputs and its backward against autograd through forward(): the outputs of each
// sample's taken action, and every parameter's gradient of sum_b <out_b[a_b], g_b> for random g.
struct Case {
  const char* name;
  NetworkSpec spec;
  std::vector<int64_t> input_shape;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  out.push_back({"minatar_conv", {"minatar_conv", {4, 10, 10}, 6, 51, {32}}, {4, 10, 10}});
  out.push_back({"mlp", {"mlp", {5}, 3, 11, {16, 8}}, {5}});
  out.push_back({"mlp_no_hidden", {"mlp", {5}, 4, 7, {}}, {5}});
  return out;
}

TEST(QNetworkTakenOutputs, EqualAutogradThroughTheFullOutputLayer) {
  set_compute_threads(1);
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    torch::manual_seed(11);
    QNetwork net(c.spec);
    const int64_t batch = 13, k = c.spec.outputs_per_action;
    std::vector<int64_t> shape = {batch};
    shape.insert(shape.end(), c.input_shape.begin(), c.input_shape.end());
    const torch::Tensor x = torch::randn(shape);
    // Every action but the last appears (an empty group must be skipped), unevenly.
    std::vector<int64_t> actions;
    for (int64_t b = 0; b < batch; ++b) actions.push_back((b * b) % (c.spec.num_actions - 1));
    const torch::Tensor g = torch::randn({batch, k});

    // Reference: autograd of the full outputs, the taken actions' slices dotted with g.
    for (auto& p : net->parameters()) p.mutable_grad() = torch::Tensor();
    const torch::Tensor full = net->forward(x);
    torch::Tensor reference_loss = torch::zeros({});
    std::vector<float> reference_out;
    for (int64_t b = 0; b < batch; ++b) {
      const torch::Tensor row = full[b].slice(0, actions[b] * k, (actions[b] + 1) * k);
      reference_loss = reference_loss + (row * g[b]).sum();
      const torch::Tensor r = row.detach().contiguous();
      reference_out.insert(reference_out.end(), r.data_ptr<float>(), r.data_ptr<float>() + k);
    }
    reference_loss.backward();
    std::vector<torch::Tensor> reference_grads;
    for (auto& p : net->parameters()) reference_grads.push_back(p.grad().clone());

    // taken_outputs and its backward, the layers below through autograd.
    for (auto& p : net->parameters()) p.mutable_grad() = torch::zeros_like(p);
    const torch::Tensor h = net->features(x).contiguous();
    ASSERT_EQ(h.size(1), net->hidden_width());
    const std::span<const float> hs(h.data_ptr<float>(), static_cast<size_t>(h.numel()));
    std::vector<float> out(static_cast<size_t>(batch * k));
    net->taken_outputs(hs, actions, out);
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_NEAR(out[i], reference_out[i], 1e-5f * (1 + std::abs(reference_out[i]))) << i;
    }
    const torch::Tensor gc = g.contiguous();
    std::vector<float> dh(static_cast<size_t>(h.numel()));
    net->taken_outputs_backward({gc.data_ptr<float>(), static_cast<size_t>(g.numel())}, dh);
    if (h.requires_grad()) h.backward(torch::from_blob(dh.data(), h.sizes(), torch::kFloat32));
    const auto params = net->parameters();
    ASSERT_EQ(params.size(), reference_grads.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const double scale = 1 + reference_grads[i].abs().max().item<double>();
      EXPECT_LT((params[i].grad() - reference_grads[i]).abs().max().item<double>(), 1e-5 * scale)
          << "parameter " << i;
    }
    // The output rows of the action no sample took get no gradient.
    const int64_t unused = c.spec.num_actions - 1;
    const torch::Tensor w_grad = net->named_parameters()["out.weight"].grad();
    EXPECT_EQ(w_grad.slice(0, unused * k, (unused + 1) * k).abs().max().item<float>(), 0.0f);
  }
}

}  // namespace
}  // namespace valor::agent
