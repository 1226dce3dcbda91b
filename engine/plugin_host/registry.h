// The op registry and the plugin loader: plugins (built-in and third-party alike) are
// shared libraries that register ops through the C API; bad plugins are refused with a
// message, never a crash.
#pragma once

#include <graphrun/plugin_api.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace graphrun {

/// A plugin could not be loaded (missing file or symbol, wrong API version, duplicate op).
class PluginError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A registered op: its descriptor (deep-copied pointers stay owned by the plugin, which
/// is never unloaded) and the plugin it came from.
struct OpInfo {
  gr_op_desc desc{};
  std::string plugin;  // path of the library
  bool elementwise() const { return desc.expression != nullptr; }
  bool variadic_inputs() const { return (desc.flags & GR_OP_VARIADIC_INPUTS) != 0; }
  /// Index of a declared attribute, or -1.
  int attr_index(const std::string& name) const;
  /// Index of a declared input port, or -1.
  int input_index(const std::string& name) const;
};

/// Every op known to this process, by name.
class Registry {
 public:
  /// The process-wide registry, with gr_host services bound to it.
  static Registry& global();

  /// Loads a plugin library; throws PluginError naming the library and the reason.
  /// Loading the same path twice is a no-op.
  void load(const std::string& path);
  /// Loads every *.so in a folder (sorted by name).
  void load_folder(const std::string& folder);
  /// Loads the built-in plugins (next to the executable, or the build tree's folder) and
  /// the folders of GRAPHRUN_PLUGIN_PATH. Idempotent.
  void load_defaults();

  const OpInfo* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  friend struct RegistrarAccess;
  std::map<std::string, OpInfo> ops_;
  std::vector<std::string> loaded_;
  bool defaults_loaded_ = false;
};

/// The services the host gives plugins (parallel_for, expression programs).
const gr_host& host_services();

}  // namespace graphrun
