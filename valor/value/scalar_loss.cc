#include "valor/value/scalar_loss.h"

#include "valor/core/error.h"
#include "valor/value/validate.h"

namespace valor::value {
namespace {

template <typename T, typename Loss, typename Derivative>
double mean_loss(const char* function, std::span<const T> predictions, std::span<const T> targets,
                 std::span<T> grad, Loss loss, Derivative derivative) {
  const std::size_t batch = predictions.size();
  VALOR_CHECK(targets.size() == batch, "{} targets for {} predictions", targets.size(), batch);
  VALOR_CHECK(grad.empty() || grad.size() == batch, "grad has {} entries for {} predictions",
              grad.size(), batch);
  detail::require_finite(function, "prediction", predictions);
  detail::require_finite(function, "target", targets);
  if (batch == 0) return 0.0;
  const double scale = 1.0 / static_cast<double>(batch);
  double total = 0.0;
  for (std::size_t b = 0; b < batch; ++b) {
    const double u = static_cast<double>(predictions[b]) - targets[b];
    total += loss(u);
    if (!grad.empty()) grad[b] = static_cast<T>(derivative(u) * scale);
  }
  return total * scale;
}

template <typename T>
double mse(std::span<const T> predictions, std::span<const T> targets, std::span<T> grad) {
  return mean_loss(
      "mse_loss", predictions, targets, grad, [](double u) { return 0.5 * u * u; },
      [](double u) { return u; });
}

template <typename T>
double huber_mean(std::span<const T> predictions, std::span<const T> targets, std::span<T> grad,
                  double kappa) {
  if (!(kappa > 0.0 && std::isfinite(kappa))) {
    fail("huber_loss: kappa = {} must be finite and positive (1 is the usual choice)", kappa);
  }
  return mean_loss(
      "huber_loss", predictions, targets, grad, [kappa](double u) { return huber(u, kappa); },
      [kappa](double u) { return huber_derivative(u, kappa); });
}

}  // namespace

double mse_loss(std::span<const float> predictions, std::span<const float> targets,
                std::span<float> grad) {
  return mse(predictions, targets, grad);
}
double mse_loss(std::span<const double> predictions, std::span<const double> targets,
                std::span<double> grad) {
  return mse(predictions, targets, grad);
}

double huber_loss(std::span<const float> predictions, std::span<const float> targets,
                  std::span<float> grad, double kappa) {
  return huber_mean(predictions, targets, grad, kappa);
}
double huber_loss(std::span<const double> predictions, std::span<const double> targets,
                  std::span<double> grad, double kappa) {
  return huber_mean(predictions, targets, grad, kappa);
}

}  // namespace valor::value
