// Fixed supports for distributional value heads: atoms (two-hot, C51) and bins (HL-Gauss).
// See docs/algorithms.md section 2.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace valor::value {

// m evenly spaced atoms z_i = v_min + i*D, i = 0..m-1, D = (v_max - v_min)/(m - 1).
// The atoms are stored as floats (computed in double, then rounded); z_0 == v_min and
// z_{m-1} == v_max exactly.
class AtomSupport {
 public:
  // Throws valor::Error unless m >= 2, both bounds are finite (as floats) and v_min < v_max,
  // and the m atoms are distinct once rounded to float.
  AtomSupport(double v_min, double v_max, int m);

  float v_min() const { return atoms_.front(); }
  float v_max() const { return atoms_.back(); }
  std::size_t size() const { return atoms_.size(); }
  // D = (v_max - v_min)/(m - 1), in double.
  double spacing() const { return spacing_; }
  float atom(std::size_t i) const { return atoms_[i]; }
  std::span<const float> atoms() const { return atoms_; }

 private:
  std::vector<float> atoms_;
  double spacing_;
};

// m equal bins over [v_min, v_max]: edges e_k = v_min + k*w, k = 0..m, w = (v_max - v_min)/m,
// centers c_i = v_min + (i + 1/2) w. Stored as floats; e_0 == v_min and e_m == v_max exactly.
class BinSupport {
 public:
  // Throws valor::Error unless m >= 2, both bounds are finite (as floats) and v_min < v_max,
  // and the m + 1 edges are distinct once rounded to float.
  BinSupport(double v_min, double v_max, int m);

  float v_min() const { return edges_.front(); }
  float v_max() const { return edges_.back(); }
  // The number of bins m.
  std::size_t size() const { return centers_.size(); }
  // w = (v_max - v_min)/m, in double.
  double width() const { return width_; }
  float edge(std::size_t k) const { return edges_[k]; }
  float center(std::size_t i) const { return centers_[i]; }
  std::span<const float> edges() const { return edges_; }      // m + 1 values
  std::span<const float> centers() const { return centers_; }  // m values

 private:
  std::vector<float> edges_;
  std::vector<float> centers_;
  double width_;
};

}  // namespace valor::value
