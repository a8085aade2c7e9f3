// Direct Preference Optimization ("Direct Preference Optimization: Your Language Model is
// Secretly a Reward Model", Rafailov et al. 2023) and its conservative variant with label
// smoothing (cDPO, as in Mitchell's note and TRL's `label_smoothing`):
//   l(h, o) = -q log sigma(beta h) - (1 - q) log sigma(-beta h),  q = (1 - eps) o + eps (1 - o),
// for a pair (a, b) with outcome o = P(a preferred); eps = 0 is DPO. dl/dh = -beta (q - sigma(beta
// h)). Under Bradley-Terry preferences on r, the population optimum is pi*_beta (h equals
// (r(a) - r(b)) / beta), and DPO's implicit reward beta log(pi / pi_ref) is r up to a per-prompt
// constant.
#include "valor/align/pairwise.h"

namespace valor::align {
namespace {

class Dpo final : public PairwiseMethod {
 public:
  explicit Dpo(bool conservative) : conservative_(conservative) {}
  std::string_view name() const override { return conservative_ ? "cdpo" : "dpo"; }
  double pair_loss(double h, double outcome, const MethodOptions& options,
                   double* dloss_dh) const override {
    const double eps = conservative_ ? options.label_smoothing : 0.0;
    const double q = (1.0 - eps) * outcome + eps * (1.0 - outcome);
    const double z = options.beta * h;
    *dloss_dh = -options.beta * (q - sigmoid(z));
    return -q * log_sigmoid(z) - (1.0 - q) * log_sigmoid(-z);
  }

 private:
  bool conservative_;
};

}  // namespace

std::unique_ptr<Method> make_dpo() { return std::make_unique<Dpo>(false); }
std::unique_ptr<Method> make_cdpo() { return std::make_unique<Dpo>(true); }

}  // namespace valor::align
