// Elementwise exp and normal tails over arrays, four floats or two doubles per call of glibc's
// vector maths library (libmvec, the SSE2 variants of the x86-64 vector function ABI, which every
// x86-64 CPU runs). The value library's batched kernels (logits.h, hl_gauss.h) are built on them.
//
// Determinism: each element's result depends on its value alone, not on its position or on n
// (a ragged end goes through the same vector call, padded). libmvec picks its implementation
// for the CPU once, at load time, so one binary on one machine always gives the same bits; two
// CPUs with different instruction sets (SSE4.1 or not) may differ in the last bit.
#pragma once

#include <span>

namespace valor::value {

// out_i = exp(x_i - shift) in float, for i < n (out.size() == x.size(); out may be x itself).
// libmvec's expf is within 4 ulp (its documented bound; 2.5 in vector_math_test) of exp of the
// float x_i - shift, which is itself rounded (exact when x_i and shift are within a factor of 2).
// Allocation-free.
void exp_shifted(std::span<const float> x, float shift, std::span<float> out);

// out_i = log(x_i) in double (out.size() == x.size(); out may be x itself); libmvec's log, within
// 4 ulp (its documented bound). Allocation-free.
void log_doubles(std::span<const double> x, std::span<double> out);

// out_k = Phi(-|x_k|) = erfc(|x_k| / sqrt 2) / 2, the one-sided tail of the standard normal
// beyond |x_k|, in double (out.size() == x.size(); out may be x itself); a normal double for
// |x| <= 37. libmvec's erfc is documented within 4 ulp; vector_math_test holds the tail within
// 2 epsilon (relative) of erfc in long double at the same double argument. Allocation-free.
void normal_tail(std::span<const double> x, std::span<double> out);

}  // namespace valor::value
