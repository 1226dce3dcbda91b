#include "python_errors.h"

#include "driver/error_report.h"
#include "graph/diagnostics.h"
#include "plugin_host/registry.h"

#include <nanobind/stl/string.h>

namespace graphrun::python {

namespace nb = nanobind;

void raise_current_exception() {
  const ErrorReport report = report_current_exception();
  const char* type_name = "RunError";
  nb::list diagnostics;
  try {
    throw;
  } catch (const GraphError& e) {
    type_name = "GraphError";
    for (const Diagnostic& d : e.diagnostics())
      diagnostics.append(nb::make_tuple(d.loc.file, d.loc.line, d.loc.col, d.message));
  } catch (const UsageError&) {
    type_name = "UsageError";
  } catch (const PluginError&) {
    type_name = "PluginError";
  } catch (const DeviceUnavailable&) {
    type_name = "DeviceError";
  } catch (...) {
  }
  std::string message = report.message;
  constexpr std::string_view prefix = "graphrun: ";
  if (message.starts_with(prefix)) message.erase(0, prefix.size());
  nb::object type = nb::module_::import_("graphrun._errors").attr(type_name);
  nb::object value = std::string_view(type_name) == "GraphError" ? type(message, diagnostics) : type(message);
  PyErr_SetObject(type.ptr(), value.ptr());
  throw nb::python_error();
}

}  // namespace graphrun::python
