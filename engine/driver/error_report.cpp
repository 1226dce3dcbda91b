#include "driver/error_report.h"

#include "graph/diagnostics.h"
#include "plugin_host/registry.h"
#include "scheduler/buffer_pool.h"

#include <new>

namespace graphrun {

ErrorReport report_current_exception() {
  const std::string prefix = "graphrun: ";
  try {
    throw;
  } catch (const GraphError& e) {
    std::string message;
    for (const auto& d : e.diagnostics()) message += (message.empty() ? "" : "\n") + d.str();
    return {kInvalid, message};
  } catch (const UsageError& e) {
    return {kInvalid, prefix + e.what()};
  } catch (const PluginError& e) {
    return {kInvalid, prefix + e.what()};
  } catch (const DeviceUnavailable& e) {
    return {kNoDevice, prefix + e.what()};
  } catch (const RunError& e) {
    return {kRunFailure, prefix + e.what()};
  } catch (const OutOfMemory& e) {
    return {kRunFailure, prefix + e.what()};
  } catch (const std::bad_alloc&) {
    return {kRunFailure, prefix + "out of memory"};
  } catch (const std::exception& e) {
    return {kRunFailure, prefix + "internal error: " + e.what()};
  } catch (...) {
    return {kRunFailure, prefix + "internal error: an unknown exception"};
  }
}

}  // namespace graphrun
