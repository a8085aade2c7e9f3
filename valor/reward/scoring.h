// Scores from several reward models and transforms of rewards (docs/reward.md).
//  - Ensemble scoring rules ("Reward Model Ensembles Help Mitigate Overoptimization", Coste et
//    al. 2023), over the K members' rewards r_1..r_K of one input:
//      mean: (1/K) sum_k r_k;  WCO (worst case): min_k r_k;
//      UWO (uncertainty-weighted): mean - lambda * (1/K) sum_k (r_k - mean)^2.
//  - The centred log-sigmoid transform ("Transforming and Combining Rewards for Aligning Large
//    Language Models", Wang et al. 2024): u = log sigma(r - r_ref), with r_ref the reward of a
//    reference response to the same prompt or a quantile of reference rewards; the sum of
//    transformed rewards of several models acts as a soft logical AND (each term is <= 0 and near
//    0 only where that model's reward is well above its reference).
#pragma once

#include <span>
#include <string>
#include <vector>

namespace valor::reward {

enum class EnsembleRule { kMean, kWorstCase, kUncertaintyWeighted };

// "mean", "wco", "uwo"; valor::Error naming the accepted values otherwise.
EnsembleRule parse_ensemble_rule(const std::string& name);
const char* ensemble_rule_name(EnsembleRule rule);

// members[k][i]: member k's reward for input i (all members the same length, K >= 1). Returns one
// score per input. lambda (UWO only) must be >= 0.
std::vector<double> ensemble_scores(const std::vector<std::vector<double>>& members,
                                    EnsembleRule rule, double lambda = 0.0);

// log sigma(r - r_ref), computed without overflow for any sign.
double centred_log_sigmoid(double reward, double reference);

// The q-quantile (q in [0, 1]) of `values`, linear interpolation between order statistics
// (numpy.quantile's default); valor::Error for no values or q outside [0, 1].
double quantile(std::span<const double> values, double q);

// Per-prompt references: r_ref[p] = the q-quantile of the rewards of prompt p's inputs
// (prompt[i] in [0, num_prompts)); valor::Error for a prompt without inputs.
std::vector<double> quantile_per_prompt(std::span<const double> rewards,
                                        std::span<const int> prompt, size_t num_prompts, double q);

// Combination of several models' rewards of the same inputs: the plain sum sum_m r_m[i], or
// the sum of transformed rewards sum_m log sigma(r_m[i] - ref_m[i]) (references per model and
// input). valor::Error for lengths that differ.
std::vector<double> sum_rewards(const std::vector<std::vector<double>>& rewards);
std::vector<double> sum_transformed_rewards(const std::vector<std::vector<double>>& rewards,
                                            const std::vector<std::vector<double>>& references);

}  // namespace valor::reward
