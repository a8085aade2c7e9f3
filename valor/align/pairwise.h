// The shared machinery of the offline methods that score pairs by
// h(x, a, b) = [log pi(a|x) - log pi_ref(a|x)] - [log pi(b|x) - log pi_ref(b|x)]
// (DPO, conservative DPO, IPO): a pair loss l(h, o) with outcome o = P(a preferred), its
// derivative dl/dh, the minibatch step and the population loss over pi_ref x pi_ref pairs.
#pragma once

#include <vector>

#include "valor/align/method.h"

namespace valor::align {

class PairwiseMethod : public Method {
 public:
  // The pair loss and dl/dh.
  virtual double pair_loss(double h, double outcome, const MethodOptions& options,
                           double* dloss_dh) const = 0;
  double step(StepContext& context, std::vector<float>& gradient) final;
  double exact_loss(const ExactContext& context, std::vector<double>& coef) const final;

 private:
  // log pi_ref of every pair's a and b sides, computed on the first step (pi_ref is frozen).
  std::vector<double> reference_a_, reference_b_;
  SequenceBatch batch_;
  std::vector<int32_t> prompts_;
  std::vector<uint8_t> tokens_;
  std::vector<float> coef_;
};

}  // namespace valor::align
