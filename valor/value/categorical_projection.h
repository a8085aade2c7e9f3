// The categorical (C51) projection of a Bellman-shifted distribution back onto a fixed support
// (A Distributional Perspective on Reinforcement Learning, Algorithm 1).
#pragma once

#include <span>

#include "valor/value/support.h"

namespace valor::value {

// For each transition b, projects the distribution of r_b + g_b Z' onto the support's atoms and
// writes it into row b of `out` ([B, m]). `next_probs` is [B, m] (the next-state distribution q
// over the atoms, for the chosen next action), `rewards` and `discounts` are [B], with the
// discount already folded with termination: g_b = gamma^n (1 - done_b). For each atom j:
//   Tz = clip(r + g z_j, v_min, v_max), b = (Tz - v_min)/D, l = floor(b), u = ceil(b),
//   m_l += q_j (u - b), m_u += q_j (b - l), and m_l += q_j when l == u.
// The map is linear in q, so sum m = sum q (1 for a distribution), and the mean is
// r + g sum_j q_j z_j whenever no Tz is clipped. g = 0 (a terminal transition) puts all mass on
// the projection of r alone.
// Throws valor::Error naming the batch index if a reward or probability is NaN or infinite or a
// discount is not in [0, 1]; `out` is then left unchanged. Allocation-free.
void project_categorical(const AtomSupport& support, std::span<const float> next_probs,
                         std::span<const float> rewards, std::span<const float> discounts,
                         std::span<float> out);

}  // namespace valor::value
