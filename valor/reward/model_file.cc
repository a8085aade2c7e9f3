#include "valor/reward/model_file.h"

#include <nlohmann/json.hpp>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/reward/ensemble.h"

namespace valor::reward {

void save_reward_model(const RewardModel& model, const std::filesystem::path& path) {
  nlohmann::json j;
  j["format"] = "valor reward model 1";
  j["kind"] = model.kind;
  j["features"] = model.features;
  if (model.kind == "linear") {
    j["coefficients"] = model.linear.coefficients;
    j["standard_errors"] = model.linear.standard_errors;
    j["prior_sd"] = model.linear.prior_sd;
    j["log_likelihood"] = model.linear.log_likelihood;
  } else if (model.kind == "mlp") {
    VALOR_CHECK(!model.members.empty(), "an MLP model without members");
    j["hidden"] = model.members[0].hidden();
    j["members"] = nlohmann::json::array();
    for (const MlpReward& m : model.members) j["members"].push_back(m.parameters());
  } else {
    VALOR_CHECK(false, "unknown reward model kind '{}'", model.kind);
  }
  write_file_atomically(path, j.dump() + "\n");
}

RewardModel load_reward_model(const std::filesystem::path& given) {
  const std::filesystem::path path =
      std::filesystem::is_directory(given) ? given / "model.json" : given;
  const std::string label = path.string();
  if (!std::filesystem::exists(path)) {
    fail(
        "{}: no such file; expected a reward model (model.json, or the run directory of `valor "
        "reward fit`)",
        label);
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not a reward model (JSON: {})", label, e.what());
  }
  RewardModel model;
  try {
    if (j.value("format", "") != "valor reward model 1") {
      fail("{}: not a valor reward model (format '{}'; expected 'valor reward model 1')", label,
           j.value("format", ""));
    }
    model.kind = j.at("kind").get<std::string>();
    model.features = j.at("features").get<std::vector<std::string>>();
    if (model.kind == "linear") {
      model.linear.names = model.features;
      model.linear.coefficients = j.at("coefficients").get<std::vector<double>>();
      model.linear.standard_errors = j.at("standard_errors").get<std::vector<double>>();
      model.linear.prior_sd = j.at("prior_sd").get<double>();
      model.linear.log_likelihood = j.at("log_likelihood").get<double>();
      if (model.linear.coefficients.size() != model.features.size()) {
        fail("{}: {} coefficients for {} features", label, model.linear.coefficients.size(),
             model.features.size());
      }
    } else if (model.kind == "mlp") {
      const auto hidden = j.at("hidden").get<std::vector<size_t>>();
      for (const auto& parameters : j.at("members")) {
        MlpReward m(model.features.size(), hidden);
        auto values = parameters.get<std::vector<float>>();
        if (values.size() != m.parameters().size()) {
          fail("{}: member {} has {} parameters; the shape needs {}", label, model.members.size(),
               values.size(), m.parameters().size());
        }
        m.parameters() = std::move(values);
        model.members.push_back(std::move(m));
      }
      if (model.members.empty()) fail("{}: an MLP reward model without members", label);
    } else {
      fail("{}: unknown reward model kind '{}'; accepted: linear, mlp", label, model.kind);
    }
  } catch (const nlohmann::json::exception& e) {
    fail("{}: malformed reward model: {}", label, e.what());
  }
  return model;
}

std::vector<std::vector<double>> model_rewards(const RewardModel& model,
                                               const rank::FeatureTable& table) {
  if (table.dim != model.input_dim()) {
    fail("the reward model takes {} features, the data has {}", model.input_dim(), table.dim);
  }
  if (model.kind == "linear") return {rank::linear_bt_rewards(model.linear, table)};
  return member_rewards(model.members, table);
}

}  // namespace valor::reward
