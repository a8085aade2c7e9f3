#include "python/src/bindings.h"
#include "valor/core/error.h"

namespace valor::python {

std::string shape_text(const py::array& a) {
  const std::vector<py::ssize_t> shape(a.shape(), a.shape() + a.ndim());
  return fmt::format("({}{})", fmt::join(shape, ", "), shape.size() == 1 ? "," : "");
}

}  // namespace valor::python

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  m.doc() = "valor's compiled core; import valor instead (docs/python.md)";
  // valor::Error is a mistake the caller can fix: a ValueError with the C++ message.
  static py::exception<valor::Error> error(m, "Error", PyExc_ValueError);
  error.attr("__module__") = "valor";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const valor::Error& e) {
      PyErr_SetString(error.ptr(), e.what());
    }
  });
  valor::python::bind_env(m);
  valor::python::bind_value(m);
  valor::python::bind_rank(m);
  valor::python::bind_dp(m);
}
