// Value maths on NumPy arrays (valor/value, docs/value.md): supports, two-hot and HL-Gauss targets,
// the C51 projection, softmax, decoding and the cross-entropy. Batches may have any leading shape:
// the last axis is the support's.
#include <algorithm>
#include <span>
#include <vector>

#include "python/src/bindings.h"
#include "valor/core/error.h"
#include "valor/value/categorical_projection.h"
#include "valor/value/hl_gauss.h"
#include "valor/value/logits.h"
#include "valor/value/support.h"
#include "valor/value/two_hot.h"

namespace valor::python {
namespace {

using namespace pybind11::literals;

template <typename T>
using In = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <typename T>
std::span<const T> view(const In<T>& a) {
  return {a.data(), static_cast<size_t>(a.size())};
}
template <typename T>
std::span<T> view(py::array_t<T>& a) {
  return {a.mutable_data(), static_cast<size_t>(a.size())};
}

std::vector<py::ssize_t> shape_of(const py::array& a) { return {a.shape(), a.shape() + a.ndim()}; }

// The shape with a last axis of m added.
std::vector<py::ssize_t> with_last(const py::array& a, size_t m) {
  auto shape = shape_of(a);
  shape.push_back(static_cast<py::ssize_t>(m));
  return shape;
}

// The batch shape of `a` ([..., m]); valor::Error unless it has a last axis of at least 2 entries.
std::vector<py::ssize_t> batch_shape(const char* where, const char* what, const py::array& a) {
  if (a.ndim() < 1 || a.shape(a.ndim() - 1) < 2) {
    fail("{}: {} must have shape (..., m) with m >= 2, got {}", where, what, shape_text(a));
  }
  auto shape = shape_of(a);
  shape.pop_back();
  return shape;
}

size_t last_axis(const py::array& a) { return static_cast<size_t>(a.shape(a.ndim() - 1)); }

void require_same_shape(const char* where, const char* what_a, const py::array& a,
                        const char* what_b, const py::array& b) {
  if (shape_of(a) != shape_of(b)) {
    fail("{}: {} has shape {} but {} has shape {}", where, what_a, shape_text(a), what_b,
         shape_text(b));
  }
}

void require_values(const char* where, size_t m, const py::array& values) {
  if (values.ndim() != 1 || static_cast<size_t>(values.shape(0)) != m) {
    fail("{}: values must have shape ({},) to match the last axis of the batch, got {}", where, m,
         shape_text(values));
  }
}

py::array_t<float> atom_support(double v_min, double v_max, int m) {
  const value::AtomSupport s(v_min, v_max, m);
  py::array_t<float> out(static_cast<py::ssize_t>(s.size()));
  std::copy(s.atoms().begin(), s.atoms().end(), out.mutable_data());
  return out;
}

py::tuple bin_support(double v_min, double v_max, int m) {
  const value::BinSupport s(v_min, v_max, m);
  py::array_t<float> edges(static_cast<py::ssize_t>(s.size() + 1));
  py::array_t<float> centers(static_cast<py::ssize_t>(s.size()));
  std::copy(s.edges().begin(), s.edges().end(), edges.mutable_data());
  std::copy(s.centers().begin(), s.centers().end(), centers.mutable_data());
  return py::make_tuple(edges, centers);
}

py::array_t<float> two_hot(const In<float>& targets, double v_min, double v_max, int m) {
  const value::AtomSupport s(v_min, v_max, m);
  py::array_t<float> out(with_last(targets, s.size()));
  value::two_hot_target(s, view(targets), view(out));
  return out;
}

py::array_t<float> hl_gauss(const In<float>& targets, double v_min, double v_max, int m,
                            double sigma_ratio) {
  const value::BinSupport s(v_min, v_max, m);
  py::array_t<float> out(with_last(targets, s.size()));
  value::hl_gauss_target(s, view(targets), view(out), sigma_ratio);
  return out;
}

py::array_t<float> project_categorical(const In<float>& next_probs, const In<float>& rewards,
                                       const In<float>& discounts, double v_min, double v_max) {
  const char* where = "project_categorical";
  const auto batch = batch_shape(where, "next_probs", next_probs);
  const value::AtomSupport s(v_min, v_max, static_cast<int>(last_axis(next_probs)));
  if (shape_of(rewards) != batch || shape_of(discounts) != batch) {
    fail("{}: rewards {} and discounts {} must have the batch shape of next_probs {}", where,
         shape_text(rewards), shape_text(discounts), shape_text(next_probs));
  }
  py::array_t<float> out(shape_of(next_probs));
  value::project_categorical(s, view(next_probs), view(rewards), view(discounts), view(out));
  return out;
}

template <typename T>
py::array_t<T> softmax(const In<T>& logits) {
  batch_shape("softmax", "logits", logits);
  py::array_t<T> out(shape_of(logits));
  value::softmax(view(logits), last_axis(logits), view(out));
  return out;
}

template <typename T>
py::array_t<T> decode_logits(const In<T>& logits, const In<T>& values) {
  const auto batch = batch_shape("decode_logits", "logits", logits);
  require_values("decode_logits", last_axis(logits), values);
  py::array_t<T> out(batch);
  value::decode_logits(view(logits), view(values), view(out));
  return out;
}

template <typename T>
py::array_t<T> distribution_mean(const In<T>& probs, const In<T>& values) {
  const auto batch = batch_shape("distribution_mean", "probs", probs);
  require_values("distribution_mean", last_axis(probs), values);
  py::array_t<T> out(batch);
  value::distribution_mean(view(probs), view(values), view(out));
  return out;
}

template <typename T>
py::tuple cross_entropy(const In<T>& logits, const In<T>& target_probs) {
  batch_shape("cross_entropy", "logits", logits);
  require_same_shape("cross_entropy", "logits", logits, "target_probs", target_probs);
  py::array_t<T> grad(shape_of(logits));
  const double loss =
      value::cross_entropy_loss(view(logits), view(target_probs), last_axis(logits), view(grad));
  return py::make_tuple(loss, grad);
}

bool is_double(const py::object& a) {
  return py::isinstance<py::array>(a) &&
         py::reinterpret_borrow<py::array>(a).dtype().is(py::dtype::of<double>());
}

}  // namespace

void bind_value(py::module_& m) {
  m.def("atom_support", &atom_support, "v_min"_a, "v_max"_a, "num_atoms"_a);
  m.def("bin_support", &bin_support, "v_min"_a, "v_max"_a, "num_bins"_a);
  m.def("two_hot", &two_hot, "targets"_a, "v_min"_a, "v_max"_a, "num_atoms"_a);
  m.def("hl_gauss", &hl_gauss, "targets"_a, "v_min"_a, "v_max"_a, "num_bins"_a,
        "sigma_ratio"_a = value::kDefaultHlGaussSigmaRatio);
  m.def("project_categorical", &project_categorical, "next_probs"_a, "rewards"_a, "discounts"_a,
        "v_min"_a, "v_max"_a);
  // float64 arrays are computed in double (the double overloads), anything else in float32.
  m.def(
      "softmax",
      [](const py::object& logits) -> py::object {
        if (is_double(logits)) return softmax<double>(logits);
        return softmax<float>(logits);
      },
      "logits"_a);
  m.def(
      "decode_logits",
      [](const py::object& logits, const py::object& values) -> py::object {
        if (is_double(logits)) return decode_logits<double>(logits, values);
        return decode_logits<float>(logits, values);
      },
      "logits"_a, "values"_a);
  m.def(
      "distribution_mean",
      [](const py::object& probs, const py::object& values) -> py::object {
        if (is_double(probs)) return distribution_mean<double>(probs, values);
        return distribution_mean<float>(probs, values);
      },
      "probs"_a, "values"_a);
  m.def(
      "cross_entropy",
      [](const py::object& logits, const py::object& target_probs) -> py::object {
        if (is_double(logits)) return cross_entropy<double>(logits, target_probs);
        return cross_entropy<float>(logits, target_probs);
      },
      "logits"_a, "target_probs"_a);
}

}  // namespace valor::python
