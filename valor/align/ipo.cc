// Identity Preference Optimisation ("A General Theoretical Paradigm to Understand Learning from
// Human Preferences", Azar et al. 2023): regress h onto the margin 1 / (2 tau),
//   l(h, o) = o (h - c)^2 + (1 - o) (-h - c)^2 = h^2 - 2 c (2 o - 1) h + c^2,  c = 1 / (2 tau),
// so dl/dh = 2 h - 2 c (2 o - 1). With pairs drawn from mu = pi_ref, the population optimum is
// pi(y|x) ~ pi_ref(y|x) exp(P(y > mu) / tau), P(y > mu) = E_{y' ~ mu} P(y > y') (the paper's
// Psi = identity solution): unlike DPO it stays bounded when preferences are deterministic.
#include "valor/align/pairwise.h"

namespace valor::align {
namespace {

class Ipo final : public PairwiseMethod {
 public:
  std::string_view name() const override { return "ipo"; }
  double pair_loss(double h, double outcome, const MethodOptions& options,
                   double* dloss_dh) const override {
    const double c = 1.0 / (2.0 * options.tau);
    *dloss_dh = 2.0 * h - 2.0 * c * (2.0 * outcome - 1.0);
    return outcome * (h - c) * (h - c) + (1.0 - outcome) * (h + c) * (h + c);
  }
};

}  // namespace

std::unique_ptr<Method> make_ipo() { return std::make_unique<Ipo>(); }

}  // namespace valor::align
