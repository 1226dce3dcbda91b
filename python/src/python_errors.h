// C++ exceptions of the engine as the Python exceptions of graphrun._errors: GraphError
// (ValueError) with its diagnostics, UsageError and PluginError (ValueError), DeviceError
// and RunError (RuntimeError). Messages are the command's, without its "graphrun: ".
#pragma once

#include <nanobind/nanobind.h>

#include <utility>

namespace graphrun::python {

/// Sets the Python exception for the C++ exception being handled and throws
/// nanobind::python_error; call it from inside a catch block, holding the GIL.
[[noreturn]] void raise_current_exception();

/// Calls `f`, turning any engine exception into graphrun's Python exception.
template <typename F> auto translating_errors(F&& f) -> decltype(f()) {
  try {
    return std::forward<F>(f)();
  } catch (const nanobind::python_error&) {
    throw;
  } catch (...) {
    raise_current_exception();
  }
}

}  // namespace graphrun::python
