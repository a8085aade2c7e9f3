// The parts of the Python module valor._core (docs/python.md), one function per valor module.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>

namespace valor::python {

namespace py = pybind11;

void bind_env(py::module_& m);
void bind_value(py::module_& m);
void bind_rank(py::module_& m);
void bind_dp(py::module_& m);

// "(64, 4, 10, 10)", for messages.
std::string shape_text(const py::array& a);

}  // namespace valor::python
