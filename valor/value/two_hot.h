// Two-hot targets: a scalar spread over its two neighbouring atoms so that the target
// distribution's mean is the scalar (Stop Regressing: Training Value Functions via Classification
// for Scalable Deep RL).
#pragma once

#include <span>

#include "valor/value/support.h"

namespace valor::value {

// For each target y_b writes the two-hot distribution p over the support's m atoms into row b of
// `out` ([B, m], row-major; `targets` is [B]):
//   y' = clip(y, v_min, v_max), k such that z_k <= y' <= z_{k+1},
//   p_{k+1} = (y' - z_k)/(z_{k+1} - z_k), p_k = 1 - p_{k+1}, every other entry 0.
// Targets outside [v_min, v_max] are clipped (all mass on the edge atom). A target exactly on an
// atom puts all its mass there. sum p = 1 and sum p_i z_i = y' up to float rounding of p.
// Throws valor::Error naming the batch index if a target is NaN or infinite; `out` is then left
// unchanged. Allocation-free.
void two_hot_target(const AtomSupport& support, std::span<const float> targets,
                    std::span<float> out);

}  // namespace valor::value
